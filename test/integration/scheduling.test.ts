import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

/**
 * The scheduling pipeline (issue 13): workers pull, the owner picks, balancing across the
 * workers that asked. These hold the pipeline to its figures on real nodes over TCP; the bench
 * holds the tight ones (`fairness.jain` ≥ 0.9, claims per replica ≤ 1.2 at 20 nodes).
 */

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView

/** Jain's fairness index: 1 when all are equal, 1/n when one has everything. */
export function jain (xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0)
  const squares = xs.reduce((a, b) => a + b * b, 0)
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares)
}

async function alive (node: MeshNode, others: MeshNode[]): Promise<void> {
  for (const other of others) {
    await expect.poll(async () => (await node.peers()).find(p => p.peerId === other.peerId)?.state, { timeout: 30_000 }).toBe('alive')
  }
}

/** Tasks done per worker: the worker of each task's accepted replica 0. */
function perWorker (owner: MeshNode, ids: string[], workers: MeshNode[]): number[] {
  const counts = new Map(workers.map(w => [w.peerId, 0]))
  for (const id of ids) {
    const worker = view(owner, id).replicas[0]?.worker as string
    counts.set(worker, (counts.get(worker) ?? 0) + 1)
  }
  return workers.map(w => counts.get(w.peerId) ?? 0)
}

describe('scheduling: pull, not race', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('fairness: 4 equal workers (the owner one of them) share 200 `sleep 20` tasks with Jain\'s index ≥ 0.8', async () => {
    const equal = { heartbeatMs: 200, slots: 2, probationLeases: 64 }
    const owner = await mesh.node(equal)
    const others = await Promise.all([0, 1, 2].map(async () => await mesh.node({ ...equal, bootstrap: [addrOf(owner)] })))
    await alive(owner, others)
    const ids = await owner.tasks.submit({ kind: 'sleep', input: '20', count: 200 })
    await expect.poll(() => ids.filter(id => view(owner, id).state === 'succeeded').length, { timeout: 120_000, interval: 200 }).toBe(200)
    const counts = perWorker(owner, ids, [owner, ...others])
    const index = jain(counts)
    console.log(`fairness, 4 workers x 2 slots, 200 sleep-20 tasks: Jain ${index.toFixed(3)} (tasks per worker, owner first: ${counts.join(', ')})`)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200)
    expect(index).toBeGreaterThanOrEqual(0.8)
  }, 180_000)

  it('claims per granted replica ≤ 1.5 on 8 nodes for a 400-task batch (every task asked for counts)', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const workers = await Promise.all(Array.from({ length: 7 }, async () => await mesh.node({ heartbeatMs: 200, slots: 4, bootstrap: [addrOf(owner)] })))
    await alive(owner, workers)
    const ids = await owner.tasks.submit({ kind: 'echo', input: 'claims', count: 400 })
    await expect.poll(() => ids.filter(id => view(owner, id).state === 'succeeded').length, { timeout: 120_000, interval: 200 }).toBe(400)
    const sent = (): number => workers.reduce((n, w) => n + (w.tasks.stats() as { claimsSent: number }).claimsSent, 0)
    // What the owner counted is what the workers asked for (once the last requests have arrived): nothing asked goes uncounted.
    await expect.poll(() => (owner.tasks.stats() as { claimsReceived: number }).claimsReceived, { timeout: 20_000 }).toBe(sent())
    const stats = owner.tasks.stats() as { claimsReceived: number, grantsIssued: number, claimsPerGrant: number }
    console.log(`claims per granted replica, 8 nodes, 400 tasks (all workers new): ${stats.claimsPerGrant.toFixed(3)} (${stats.claimsReceived} asked for, ${stats.grantsIssued} granted; workers say they asked for ${sent()})`)
    expect(stats.claimsPerGrant).toBeLessThanOrEqual(1.5)
  }, 180_000)

  it('a task that needs more distinct workers than there are does not keep the workers that ran it from other owners\' work', async () => {
    const o = await mesh.node({ heartbeatMs: 200, worker: false })
    const y = await mesh.node({ heartbeatMs: 200, slots: 2, bootstrap: [addrOf(o)] })
    const z = await mesh.node({ heartbeatMs: 200, slots: 2, bootstrap: [addrOf(o)] })
    await alive(o, [y, z])
    await alive(y, [z])
    // Three replicas on distinct peers, two workers: y and z each run one; the third waits for a
    // peer that never comes, until the deadline fails the task.
    const [stuck] = await o.tasks.submit({ kind: 'sha256', input: 'three', redundancy: 3, deadlineMs: 4000 })
    await expect.poll(() => view(o, stuck as string).state, { timeout: 30_000 }).toBe('failed')
    expect(view(o, stuck as string).replicas.filter(r => r.status === 'done')).toHaveLength(2)
    // y's and z's requests for the third replica, which o could never give them, must not hold
    // their slots: y's own tasks run (on y or z).
    const ids = await y.tasks.submit({ kind: 'sleep', input: '100', count: 4, deadlineMs: 60_000 })
    await expect.poll(() => ids.filter(id => view(y, id).state === 'succeeded').length, { timeout: 30_000, interval: 200 }).toBe(4)
  }, 120_000)
})
