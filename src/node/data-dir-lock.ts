import { open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshError } from '../errors.js'

export const LOCK_FILE = 'node.lock'

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid of the live process holding the data dir's lock, if any. */
export async function lockHolder (dataDir: string): Promise<number | undefined> {
  const holder = Number((await readFile(join(dataDir, LOCK_FILE), 'utf8').catch(() => '')).split(':')[0])
  return Number.isInteger(holder) && holder > 0 && isAlive(holder) ? holder : undefined
}

/**
 * One node per data dir: two nodes sharing a key and a store would corrupt both. A lock left by
 * a process that no longer exists (a crash, SIGKILL) is taken over.
 */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE)
  const token = `${process.pid}:${Math.random().toString(36).slice(2)}`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      await handle.writeFile(token)
      await handle.close()
      return async () => {
        const current = await readFile(path, 'utf8').catch(() => '')
        if (current === token) await unlink(path).catch(() => {})
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = await lockHolder(dataDir)
      if (holder != null) {
        throw new MeshError('CONFIG_INVALID', `data dir ${dataDir} is in use by another mesh-node (pid ${holder})`, { dataDir, pid: holder })
      }
      await unlink(path).catch(() => {})
    }
  }
  throw new MeshError('CONFIG_INVALID', `cannot lock data dir ${dataDir}`, { dataDir })
}
