import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { TaskStore } from '../../src/tasks/store.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--heartbeat-ms', '200', '--log-level', 'warn']

async function idOf (dataDir: string): Promise<string> {
  return JSON.parse((await runBin(['id', '--json', '--data-dir', dataDir])).stdout).peerId as string
}

/**
 * Tasks a node process runs, from its API. The owner records a lease when it sends the grant: a
 * test that stops a worker must wait until the worker runs its tasks (a grant that arrives during
 * a drain is given back as "not claimed", not released as "worker stopping").
 */
async function runningOn (api: { url: string, token: string }): Promise<number> {
  const response = await fetch(`${api.url}/v1/tasks/stats`, { headers: { authorization: `Bearer ${api.token}` } })
  return ((await response.json()) as { running: number }).running
}

describe('tasks survive crashes', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('a worker killed with SIGKILL: its leases expire, are re-granted with a higher epoch to another worker, all tasks succeed', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 1000, probationLeases: 16 })
    const w1Dir = await mesh.tempDir()
    const w1 = procs.start(['--data-dir', w1Dir, ...LOOPBACK, '--slots', '4', '--bootstrap', addrOf(owner)])
    await waitForApiFile(w1Dir)
    const w1Id = await idOf(w1Dir)
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === w1Id)?.state, { timeout: 20_000 }).toBe('alive')

    const ids = await owner.tasks.submit({ kind: 'sleep', input: '3000', count: 4, maxAttempts: 3 })
    await expect.poll(() => ids.map(id => view(owner, id).leases[0]?.holder), { timeout: 20_000 }).toEqual([w1Id, w1Id, w1Id, w1Id])

    const w2 = await mesh.node({ heartbeatMs: 200, slots: 4, bootstrap: [addrOf(owner)] })
    w1.child.kill('SIGKILL')
    await w1.exited
    await expect.poll(() => ids.map(id => view(owner, id).state), { timeout: 60_000 }).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    for (const id of ids) {
      const task = view(owner, id)
      expect(task.history.some(h => h.reason.includes(`held by ${w1Id} (epoch 1) expired`))).toBe(true)
      expect(task.replicas[0]).toMatchObject({ worker: w2.peerId })
      expect(task.replicas[0]?.epoch).toBeGreaterThanOrEqual(2)
      expect(task.history.filter(h => h.state === 'succeeded')).toHaveLength(1)
    }
  }, 120_000)

  it('drain: SIGTERM to a worker holding tasks longer than the drain bound releases them (not expired), another worker finishes them, the drained worker exits 0', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 60_000, probationLeases: 16 })
    const w1Dir = await mesh.tempDir()
    const w1 = procs.start(['--data-dir', w1Dir, ...LOOPBACK, '--slots', '2', '--drain-timeout', '500', '--bootstrap', addrOf(owner)])
    const api = await waitForApiFile(w1Dir)
    const w1Id = await idOf(w1Dir)
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === w1Id)?.state, { timeout: 20_000 }).toBe('alive')
    const ids = await owner.tasks.submit({ kind: 'sleep', input: '3000', count: 2 })
    await expect.poll(() => ids.map(id => view(owner, id).leases[0]?.holder), { timeout: 20_000 }).toEqual([w1Id, w1Id])
    await expect.poll(async () => await runningOn(api), { timeout: 20_000, interval: 100 }).toBe(2)

    const w2 = await mesh.node({ heartbeatMs: 200, slots: 2, bootstrap: [addrOf(owner)] })
    w1.child.kill('SIGTERM')
    expect(await w1.exited).toBe(0)
    await expect.poll(() => ids.map(id => view(owner, id).state), { timeout: 60_000 }).toEqual(['succeeded', 'succeeded'])
    for (const id of ids) {
      const task = view(owner, id)
      // The lease TTL is 60 s: only the release (never an expiry) can have freed it this fast.
      expect(task.history.some(h => h.reason.includes(`released by ${w1Id} (epoch 1): worker stopping`))).toBe(true)
      expect(task.history.some(h => h.reason.includes('expired'))).toBe(false)
      expect(task.replicas[0]).toMatchObject({ worker: w2.peerId, epoch: 2 })
    }
  }, 120_000)

  it('a second signal during a drain kills running tasks and releases them at once, and the worker exits 0', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 60_000, probationLeases: 16 })
    const w1Dir = await mesh.tempDir()
    // A drain bound far longer than the test: only the second signal can end it.
    const w1 = procs.start(['--data-dir', w1Dir, ...LOOPBACK, '--log-level', 'info', '--slots', '1', '--drain-timeout', '600000', '--bootstrap', addrOf(owner)])
    const api = await waitForApiFile(w1Dir)
    const w1Id = await idOf(w1Dir)
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === w1Id)?.state, { timeout: 20_000 }).toBe('alive')
    const [id] = await owner.tasks.submit({ kind: 'sleep', input: '600000' })
    await expect.poll(() => view(owner, id as string).leases[0]?.holder, { timeout: 20_000 }).toBe(w1Id)
    await expect.poll(async () => await runningOn(api), { timeout: 20_000, interval: 100 }).toBe(1)

    w1.child.kill('SIGTERM')
    await expect.poll(() => w1.output(), { timeout: 20_000 }).toContain('shutting down')
    w1.child.kill('SIGTERM')
    expect(await w1.exited).toBe(0)
    expect(w1.output()).toContain('second signal: stopping running tasks now')
    await expect.poll(() => view(owner, id as string).history.some(h => h.reason.includes(`released by ${w1Id} (epoch 1): worker stopping`)), { timeout: 20_000 }).toBe(true)
    expect(view(owner, id as string).state).toBe('pending')
    owner.tasks.cancel(id as string)
  })

  it('the owner killed with SIGKILL mid-batch and restarted on the same data dir: every task of the batch succeeds', async () => {
    const workers = await Promise.all([0, 1].map(async () => await mesh.node({ heartbeatMs: 200, slots: 2 })))
    const ownerDir = await mesh.tempDir()
    const args = ['--data-dir', ownerDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '1000', ...workers.flatMap(w => ['--bootstrap', addrOf(w)])]
    // A window of 16 pending tasks in memory: most of the batch waits in the store (backlog.ts), across the restart too.
    const env = { MESH_RESIDENT_TASKS: '16' }
    const first = procs.start(args, env)
    await waitForApiFile(ownerDir)
    const ownerId = await idOf(ownerDir)
    for (const w of workers) await expect.poll(async () => (await w.peers()).find(p => p.peerId === ownerId)?.state, { timeout: 20_000 }).toBe('alive')

    const submitted = await runBin(['submit', '--kind', 'sleep', '--input', '1000', '--count', '30', '--json', '--data-dir', ownerDir])
    expect(submitted.code).toBe(0)
    const ids = JSON.parse(submitted.stdout).ids as string[]
    expect(ids).toHaveLength(30)
    // Read from the owner's store file (read-only, beside the running node; WAL lets readers in):
    // a millisecond a read, where a CLI call takes most of a second and, on a loaded machine, let
    // the whole batch finish between two polls.
    const succeeded = (): number => {
      const db = new Database(join(ownerDir, 'mesh.db'), { readonly: true, fileMustExist: true })
      try {
        return (db.prepare("SELECT count(*) AS n FROM tasks WHERE state = 'succeeded'").get() as { n: number }).n
      } finally {
        db.close()
      }
    }
    // Kill it once some, not all, are done.
    await expect.poll(succeeded, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0)
    first.child.kill('SIGKILL')
    await first.exited
    // Really mid-batch: some done, not all (4 slots, 30 tasks of 1 s each).
    const store = new TaskStore(join(ownerDir, 'mesh.db'))
    const atKill = store.counts()
    store.close()
    expect(atKill.succeeded ?? 0).toBeGreaterThan(0)
    expect(atKill.succeeded ?? 0).toBeLessThan(30)

    // Its old api.json stays behind until the new node writes its own: the polls below retry until the new API answers.
    const second = procs.start(args, env)
    await expect.poll(succeeded, { timeout: 90_000, interval: 200 }).toBe(30)
    const all = JSON.parse((await runBin(['tasks', '--json', '--data-dir', ownerDir])).stdout) as TaskView[]
    // The same 30 tasks, none run again as a new task (histories read from the store once the owner has stopped).
    expect(all.map(t => t.id).sort()).toEqual([...ids].sort())
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    const after = new TaskStore(join(ownerDir, 'mesh.db'))
    try {
      for (const id of ids) expect(after.get(id)?.history.filter(h => h.state === 'succeeded')).toHaveLength(1)
    } finally {
      after.close()
    }
  }, 180_000)
})
