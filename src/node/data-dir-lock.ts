import { randomBytes } from 'node:crypto'
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshError } from '../errors.js'

export const LOCK_FILE = 'node.lock'

interface LockOwner {
  pid: number
  /** The process's start time (/proc/<pid>/stat field 22), so a reused pid is not taken for the holder. */
  started: string
}

/** A process's start time from /proc (empty where there is none). */
export async function startTimeOf (pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // Fields after the command name (which may hold spaces) start after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner (path: string): Promise<LockOwner | undefined> {
  const [pid, started] = (await readFile(path, 'utf8').catch(() => '')).split(':')
  const number = Number(pid)
  return Number.isInteger(number) && number > 0 ? { pid: number, started: started ?? '' } : undefined
}

/** The pid of the live process holding the data dir's lock, if any. */
export async function lockHolder (dataDir: string): Promise<number | undefined> {
  const owner = await readOwner(join(dataDir, LOCK_FILE))
  if (owner == null || !isAlive(owner.pid)) return undefined
  // Where /proc tells start times, a pid now used by another process does not hold the lock.
  const started = await startTimeOf(owner.pid)
  return started === '' || owner.started === '' || started === owner.started ? owner.pid : undefined
}

/**
 * One node per data dir: two nodes sharing a key and a store would corrupt both. The lock file
 * is created whole and atomically (written aside, then hard-linked into place, which fails if
 * one exists); a lock whose holder is gone (a crash, SIGKILL, a container restart that reuses
 * the pid) is moved away by rename, which only one contender wins, and taken over.
 */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE)
  const token = `${process.pid}:${await startTimeOf(process.pid)}:${randomBytes(8).toString('hex')}`
  const aside = `${path}.${randomBytes(8).toString('hex')}`
  await writeFile(aside, token, { mode: 0o600 })
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(aside, path)
        return async () => {
          const current = await readFile(path, 'utf8').catch(() => '')
          if (current === token) await unlink(path).catch(() => {})
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const holder = await lockHolder(dataDir)
      if (holder != null) {
        throw new MeshError('DATA_DIR_LOCKED', `data dir ${dataDir} is in use by another mesh-node (pid ${holder})`, { dataDir, pid: holder })
      }
      const stale = `${path}.stale.${randomBytes(8).toString('hex')}`
      if (await rename(path, stale).then(() => true, () => false)) await unlink(stale).catch(() => {})
    }
    throw new MeshError('DATA_DIR_LOCKED', `cannot lock data dir ${dataDir}`, { dataDir })
  } finally {
    await unlink(aside).catch(() => {})
  }
}
