import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { ResultStatus, RefusalCode } from '../../src/gossip/wire/mesh.js'
import { fromHex } from '../../src/tasks/spec.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'
import type { LeaseBody } from '../../src/gossip/wire/codec.js'

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView
const states = (node: MeshNode, ids: string[]): string[] => ids.map(id => view(node, id).state)

async function alive (node: MeshNode, others: MeshNode[]): Promise<void> {
  for (const other of others) {
    await expect.poll(async () => (await node.peers()).find(p => p.peerId === other.peerId)?.state, { timeout: 20_000 }).toBe('alive')
  }
}

describe('tasks end to end on 127.0.0.1', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('4 nodes: 200 sha256 tasks from one node all succeed with the right digests, each accepted once', async () => {
    const fast = { heartbeatMs: 200, slots: 4 }
    // The owner runs nothing itself: its own worker takes offers without a network round trip and,
    // with tasks of a millisecond, often ran all 200 before another worker's first claim was
    // answered (equal terms for an owner that is also a worker is the pipeline issue's, #13).
    const a = await mesh.node({ ...fast, worker: false })
    const others = await Promise.all([0, 1, 2].map(async () => await mesh.node({ ...fast, bootstrap: [addrOf(a)] })))
    await alive(a, others)

    const inputs = Array.from({ length: 200 }, (_, i) => `input number ${i}`)
    const ids = (await Promise.all(inputs.map(async input => await a.tasks.submit({ kind: 'sha256', input })))).flat()
    expect(new Set(ids).size).toBe(200)
    await expect.poll(() => states(a, ids).filter(s => s === 'succeeded').length, { timeout: 60_000, interval: 200 }).toBe(200)

    const workers = new Map<string, number>()
    let checks = 0
    for (const [i, id] of ids.entries()) {
      const expected = createHash('sha256').update(inputs[i] as string).digest('hex')
      expect(new TextDecoder().decode(a.tasks.output(id))).toBe(expected)
      const task = view(a, id)
      // Accepted exactly once: one success in the trail, replica 0 done; any other replica is a
      // spot check (new workers are on probation) that agreed with it.
      expect(task.history.filter(h => h.state === 'succeeded')).toHaveLength(1)
      expect(task.replicas[0]).toMatchObject({ status: 'done' })
      for (const check of task.replicas.slice(1)) expect(check).toMatchObject({ check: true, status: 'done', verdict: 'agreed' })
      checks += task.replicas.length - 1
      const worker = task.replicas[0]?.worker as string
      workers.set(worker, (workers.get(worker) ?? 0) + 1)
    }
    const stats = a.tasks.stats() as { claimsReceived: number, grantsIssued: number, claimsPerGrant: number }
    console.log(`claims per granted replica, 4 nodes, 200 tasks: ${stats.claimsPerGrant.toFixed(2)} (${stats.claimsReceived} claims, ${stats.grantsIssued} grants, of which ${checks} spot checks); tasks per worker: ${[...workers.values()].join(', ')}`)
    expect(stats.grantsIssued).toBe(200 + checks)
    expect(workers.size).toBeGreaterThan(1)
  }, 120_000)

  it('refuses a late result carrying an old epoch, from a worker whose lease expired and was re-granted', async () => {
    const a = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 500 })
    // c claims by hand and never renews: its worker is off, so only this test speaks for it.
    const c = await mesh.node({ heartbeatMs: 200, worker: false, bootstrap: [addrOf(a)] })
    await alive(a, [c])
    const [id] = await a.tasks.submit({ kind: 'echo', input: 'hi', maxAttempts: 5 })
    const grants: number[] = []
    const refusals: Array<{ code: RefusalCode, epoch: number }> = []
    c.leases.on(body => {
      if (body.type === 'grant' && body.grant.offer != null) grants.push(body.grant.task.epoch)
      if (body.type === 'refusal') refusals.push({ code: body.refusal.code, epoch: body.refusal.task.epoch })
    })
    const ref = (epoch: number): { owner: Uint8Array<ArrayBuffer>, taskId: Uint8Array<ArrayBuffer>, replica: number, epoch: number } =>
      ({ owner: peerIdToBytes(a.libp2p.peerId), taskId: fromHex(id as string) as Uint8Array<ArrayBuffer>, replica: 0, epoch })
    const claimIt = async (): Promise<void> => { await c.leases.send(a.libp2p.peerId, [{ claim: { task: ref(0), worker: peerIdToBytes(c.libp2p.peerId) } }]) }
    await claimIt()
    await expect.poll(() => grants, { timeout: 20_000 }).toEqual([1])
    // Epoch 1 expires unrenewed; after the backoff, c claims again and gets epoch 2.
    await expect.poll(() => view(a, id as string).history.some(h => h.reason.includes('(epoch 1) expired')), { timeout: 20_000 }).toBe(true)
    await expect.poll(async () => { if (view(a, id as string).state === 'pending') await claimIt(); return grants }, { timeout: 20_000, interval: 300 }).toEqual([1, 2])

    const output = new TextEncoder().encode('late')
    await c.leases.send(a.libp2p.peerId, [{
      result: {
        signed: { task: ref(1), worker: peerIdToBytes(c.libp2p.peerId), status: ResultStatus.SUCCEEDED, outputHash: new Uint8Array(createHash('sha256').update(output).digest()), signature: new Uint8Array(64) },
        output, outputSize: output.byteLength, stderrTail: '', exitCode: 0, startedAt: 0, finishedAt: 0, error: ''
      }
    }])
    await expect.poll(() => refusals, { timeout: 20_000 }).toContainEqual({ code: RefusalCode.STALE_EPOCH, epoch: 1 })
    expect(view(a, id as string)).toMatchObject({ state: 'leased', leases: [expect.objectContaining({ holder: c.peerId, epoch: 2 })] })
  })

  it('refuses a result for a finished task', async () => {
    const a = await mesh.node({ heartbeatMs: 200, worker: false })
    const b = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(a)] })
    await alive(a, [b])
    const [id] = await a.tasks.submit({ kind: 'echo', input: 'hi' })
    await expect.poll(() => view(a, id as string).state, { timeout: 20_000 }).toBe('succeeded')
    const refusals: LeaseBody[] = []
    b.leases.on(body => { if (body.type === 'refusal') refusals.push(body) })
    const hash = new Uint8Array(createHash('sha256').update('forged').digest())
    await b.leases.send(a.libp2p.peerId, [{
      result: {
        signed: { task: { owner: peerIdToBytes(a.libp2p.peerId), taskId: fromHex(id as string) as Uint8Array<ArrayBuffer>, replica: 0, epoch: 0 }, worker: peerIdToBytes(b.libp2p.peerId), status: ResultStatus.SUCCEEDED, outputHash: hash, signature: new Uint8Array(64) },
        output: new TextEncoder().encode('forged'),
        outputSize: 6,
        stderrTail: '',
        exitCode: 0,
        startedAt: 0,
        finishedAt: 0,
        error: ''
      }
    }])
    await expect.poll(() => refusals.length, { timeout: 20_000 }).toBe(1)
    expect(refusals[0]).toMatchObject({ type: 'refusal', refusal: { code: RefusalCode.TASK_CLOSED } })
    expect(new TextDecoder().decode(a.tasks.output(id as string))).toBe('hi')
  })

  it('a cancelled running task stops on its worker', async () => {
    const a = await mesh.node({ heartbeatMs: 200, worker: false })
    const b = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(a)] })
    await alive(a, [b])
    const [id] = await a.tasks.submit({ kind: 'sleep', input: '600000' })
    await expect.poll(() => view(a, id as string).state, { timeout: 20_000 }).toBe('leased')
    await expect.poll(() => (b.tasks.stats() as { running: number }).running, { timeout: 20_000 }).toBe(1)
    a.tasks.cancel(id as string)
    expect(view(a, id as string).state).toBe('cancelled')
    await expect.poll(() => (b.tasks.stats() as { running: number }).running, { timeout: 20_000 }).toBe(0)
    expect(view(a, id as string).history.at(-1)?.reason).toBe('cancelled by the owner')
  })

  it('a lone worker node with no peers runs what is submitted to it, through the same lease path', async () => {
    const a = await mesh.node()
    const ids = await a.tasks.submit({ kind: 'echo', input: 'alone', count: 3, key: 'batch-1' })
    expect(await a.tasks.submit({ kind: 'echo', input: 'alone', count: 3, key: 'batch-1' })).toEqual(ids)
    await expect(a.tasks.submit({ kind: 'echo', input: 'something else', count: 3, key: 'batch-1' })).rejects.toMatchObject({ code: 'CONFLICT' })
    await expect.poll(() => states(a, ids), { timeout: 20_000 }).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expect(view(a, ids[0] as string).history.map(h => h.state)).toEqual(['pending', 'leased', 'succeeded'])
  })

  it('keeps a task no capable peer can run pending until its deadline, then fails it saying why', async () => {
    const a = await mesh.node({ worker: false })
    const [id] = await a.tasks.submit({ kind: 'nobody-runs-this', input: '', deadlineMs: 4000 })
    expect(view(a, id as string).state).toBe('pending')
    await expect.poll(() => view(a, id as string).history.map(h => h.reason), { timeout: 20_000 }).toEqual(['submitted', 'no capable peer'])
    expect(view(a, id as string).state).toBe('pending')
    await expect.poll(() => view(a, id as string).state, { timeout: 20_000 }).toBe('failed')
    expect(view(a, id as string).error).toMatch(/no capable peer/)
  })
})
