import { MeshError, errorMessage } from '../errors.js'

/**
 * SQLite's answer when it cannot write: SQLITE_FULL for a full disk (the database or its WAL
 * cannot grow), SQLITE_IOERR_* when a write or sync fails (ENOSPC while extending a file shows
 * up as these too). Either way the store is not taking writes now; reads still work.
 */
export function isStoreWriteError (err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'))
}

/** The error a caller sees for a write the store refused: STORE_FULL (HTTP 507), one line. */
export function storeFullError (err: unknown): MeshError {
  return new MeshError('STORE_FULL', `the node's store cannot write (is the disk full?): ${errorMessage(err).split('\n')[0] ?? ''}`, {}, { cause: err })
}

/** Rethrows a store write error as STORE_FULL; anything else as it is. */
export function rethrowStoreError (err: unknown): never {
  throw isStoreWriteError(err) ? storeFullError(err) : err
}
