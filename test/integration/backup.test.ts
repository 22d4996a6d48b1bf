import { copyFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--heartbeat-ms', '200', '--log-level', 'warn']

/** Tasks of a store file by state (read-only, beside a running node: WAL lets readers in). */
function countsIn (file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('SELECT state, count(*) AS n FROM tasks GROUP BY state').all() as Array<{ state: string, n: number }>
    return Object.fromEntries(rows.map(r => [r.state, r.n]))
  } finally {
    db.close()
  }
}

describe('mesh-node backup', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('an online backup of a busy owner restores to a node that resumes every unfinished task', async () => {
    const workers = await Promise.all([0, 1].map(async () => await mesh.node({ heartbeatMs: 200, slots: 2 })))
    const ownerDir = await mesh.tempDir()
    const bootstrap = workers.flatMap(w => ['--bootstrap', addrOf(w)])
    const owner = procs.start(['--data-dir', ownerDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '1000', ...bootstrap])
    await waitForApiFile(ownerDir)
    const ownerId = JSON.parse((await runBin(['id', '--json', '--data-dir', ownerDir])).stdout).peerId as string
    for (const w of workers) await expect.poll(async () => (await w.peers()).find(p => p.peerId === ownerId)?.state, { timeout: 20_000 }).toBe('alive')

    const submitted = await runBin(['submit', '--kind', 'sleep', '--input', '1000', '--count', '30', '--json', '--data-dir', ownerDir])
    expect(submitted.code, submitted.stderr).toBe(0)
    const ids = JSON.parse(submitted.stdout).ids as string[]
    // Back up while it works: some tasks done, others leased and running.
    await expect.poll(() => countsIn(join(ownerDir, 'mesh.db')).succeeded ?? 0, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0)
    const file = join(await mesh.tempDir(), 'mesh-backup.db')
    const backup = await runBin(['backup', file, '--json', '--data-dir', ownerDir])
    expect(backup.code, backup.stderr).toBe(0)
    expect(JSON.parse(backup.stdout)).toMatchObject({ path: file })
    expect((await stat(file)).mode & 0o077).toBe(0)
    // A second backup to the same file is refused, and the file is left as it was.
    const again = await runBin(['backup', file, '--data-dir', ownerDir])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/^mesh-node: .*the file exists; not overwriting it/)

    // The owner's machine is lost.
    owner.child.kill('SIGKILL')
    await owner.exited
    const atBackup = countsIn(file)
    expect(atBackup.succeeded ?? 0).toBeGreaterThan(0)
    expect(atBackup.succeeded ?? 0).toBeLessThan(30)

    // Restore (docs/OPERATIONS.md): the key, copied once, and the backup as the store of a new data dir.
    const restoredDir = await mesh.tempDir()
    await copyFile(join(ownerDir, 'peer.key'), join(restoredDir, 'peer.key'))
    await copyFile(file, join(restoredDir, 'mesh.db'))
    procs.start(['--data-dir', restoredDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '1000', ...bootstrap])
    await waitForApiFile(restoredDir)
    await expect.poll(() => countsIn(join(restoredDir, 'mesh.db')).succeeded ?? 0, { timeout: 90_000, interval: 200 }).toBe(30)
    const tasks = JSON.parse((await runBin(['tasks', '--json', '--data-dir', restoredDir])).stdout) as Array<{ id: string, owner: string }>
    expect(tasks.map(t => t.id).sort()).toEqual([...ids].sort())
    expect(new Set(tasks.map(t => t.owner))).toEqual(new Set([ownerId]))
  }, 180_000)

  it('says so in one line when the data dir has no store', async () => {
    const empty = await mesh.tempDir()
    const result = await runBin(['backup', join(empty, 'out.db'), '--data-dir', empty])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^mesh-node: no store to back up: .*mesh\.db does not exist\n$/)
  })
})
