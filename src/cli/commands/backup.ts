import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { MeshError, errorMessage } from '../../errors.js'
import { Output, resolveDataDir, type CliIo, type GlobalOptions } from '../context.js'
import type BetterSqlite3 from 'better-sqlite3'

/**
 * `mesh-node backup FILE`: an online backup of the data dir's store (mesh.db: every task, its
 * input, output and history) through SQLite's backup API, while the node runs. Copying a WAL
 * database's file by hand is not a backup: the last commits may be in mesh.db-wal, and a copy
 * taken mid-write is torn. The backup reads a consistent snapshot as another reader would (the
 * node goes on committing meanwhile). The node's key (peer.key) is not in it: it never changes,
 * so copy it once (docs/OPERATIONS.md, "Backup and restore").
 */
export function backupCommand (io: CliIo): Command {
  return new Command('backup')
    .description(describeCommand('backup'))
    .argument('<file>', 'where to write the backup (a new file: an existing one is never overwritten)')
    .action(async (file: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const dataDir = await resolveDataDir(options, io)
      const source = join(dataDir, 'mesh.db')
      const target = resolve(io.cwd, file)
      await stat(source).catch(() => { throw new MeshError('BAD_REQUEST', `no store to back up: ${source} does not exist`) })
      if (await stat(target).then(() => true, () => false)) throw new MeshError('BAD_REQUEST', `${file}: the file exists; not overwriting it (pick another name)`)
      // SQLite only for this command: the others answer without loading it. Required, not
      // imported: better-sqlite3 is CommonJS, and from the CLI's CommonJS bundle an import()
      // would start the ES module loader for it (≈ 10 ms of a call).
      const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
      const db = new Database(source, { readonly: true, fileMustExist: true })
      try {
        await db.backup(target)
      } catch (err) {
        throw new MeshError('API_ERROR', `backup of ${source} to ${file} failed: ${errorMessage(err)}`)
      } finally {
        db.close()
      }
      const bytes = (await stat(target)).size
      new Output(io, options.json === true).result({ path: target, bytes, dataDir }, () => `backed up ${source} to ${target} (${bytes} bytes)`)
    })
}
