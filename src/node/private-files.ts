import { chmod, lstat, mkdir, readdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { MeshError, errorMessage } from '../errors.js'

// The data dir and the private files in it: no libp2p here, so the CLI's client commands can
// use it and still answer fast.

/**
 * Creates the data dir and any missing parents, mode 0700, and makes what is in it private: the
 * dir 0700, its subdirs 0700 and its files 0600, whatever an older version or the operator left
 * (mesh.db holds every task's input and output, peer.key the node's identity, api.token the API's
 * key). Symlinks are left alone. Returns the paths whose modes it tightened. Not
 * `mkdir({recursive: true})`: on Node 20 that loops forever on a path the kernel refuses (e.g.
 * under /proc).
 */
export async function ensureDataDir (dataDir: string): Promise<string[]> {
  try {
    await makeDir(dataDir, 64)
  } catch (err) {
    throw new MeshError('CONFIG_INVALID', `cannot create data dir ${dataDir}: ${errorMessage(err)}`, { dataDir })
  }
  try {
    return await makePrivate(dataDir)
  } catch (err) {
    throw new MeshError('CONFIG_INVALID', `cannot make data dir ${dataDir} private (0700, files 0600): ${errorMessage(err)}`, { dataDir })
  }
}

async function makePrivate (dataDir: string): Promise<string[]> {
  const fixed: string[] = []
  const tighten = async (path: string, mode: number): Promise<void> => {
    if (((await lstat(path)).mode & 0o777) === mode) return
    await chmod(path, mode)
    fixed.push(path)
  }
  await tighten(dataDir, 0o700)
  for (const entry of await readdir(dataDir, { withFileTypes: true, recursive: true })) {
    // parentPath is Node 20.12+; `path` is the same on the versions before.
    const path = join((entry.parentPath as string | undefined) ?? entry.path, entry.name)
    if (entry.isDirectory()) await tighten(path, 0o700)
    else if (entry.isFile()) await tighten(path, 0o600).catch(ignoreVanished)
  }
  return fixed
}

/** A file may go between the listing and the chmod (a temp file renamed into place). */
function ignoreVanished (err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
}

/** Creates an empty file mode 0600 unless it exists (SQLite gives its -wal and -shm files the database file's mode). */
export async function ensurePrivateFile (path: string): Promise<void> {
  await writeFile(path, '', { flag: 'a', mode: 0o600 })
}

async function makeDir (dir: string, depth: number): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return
    if (code !== 'ENOENT' || depth === 0 || dirname(dir) === dir) throw err
    await makeDir(dirname(dir), depth - 1)
    await mkdir(dir, { mode: 0o700 }).catch(again => {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again
    })
  }
}

/** Writes a file readable by its owner only, atomically (a reader never sees half of it). */
export async function writePrivateFile (path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}
