/**
 * Coded errors: callers match on `code`, never on message text.
 */
export type MeshErrorCode =
  | 'CONFIG_INVALID'
  | 'SWARM_KEY_INVALID'
  | 'KEY_INVALID'
  | 'NODE_UNREACHABLE'
  | 'API_ERROR'
  | 'API_UNAUTHORIZED'
  | 'NOT_STARTED'
  | 'BAD_REQUEST'
  | 'LISTEN_FAILED'
  | 'DIAL_FAILED'
  | 'DATA_DIR_LOCKED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'STORE_FULL'
  | 'AMBIGUOUS_ID'

export class MeshError<C extends MeshErrorCode = MeshErrorCode> extends Error {
  readonly code: C
  readonly fields: Record<string, unknown>

  constructor (code: C, message: string, fields: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MeshError'
    this.code = code
    this.fields = fields
  }
}

export function isMeshError (err: unknown, code?: MeshErrorCode): err is MeshError {
  return err instanceof MeshError && (code == null || err.code === code)
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
