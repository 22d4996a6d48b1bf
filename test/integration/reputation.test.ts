import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { ResultStatus, VerdictKind, type SignedResult } from '../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { signResult } from '../../src/gossip/wire/result-signature.js'
import { fromHex } from '../../src/tasks/spec.js'
import { TaskStore } from '../../src/tasks/store.js'
import { workerFaultHooks } from '../../src/sim/worker-faults.js'
import { gossipsubInternals } from '../../src/gossip/gossipsub-internals.js'
import { SCORE_THRESHOLDS } from '../../src/gossip/score-params.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const FAST = { heartbeatMs: 200, reannounceMs: 200 }

function standing (node: MeshNode, peer: string): { state: string, score: number, counts: Record<string, number> } {
  return (node.reputation().find(p => p.peerId === peer) ?? { state: 'probation', score: 0, counts: {} }) as { state: string, score: number, counts: Record<string, number> }
}

async function allDone (owner: MeshNode, ids: string[]): Promise<void> {
  await expect.poll(() => ids.filter(id => ['succeeded', 'failed', 'cancelled'].includes((owner.tasks.get(id) as TaskView).state)).length, { timeout: 180_000, interval: 250 }).toBe(ids.length)
}

describe('verified results and reputation', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('7 nodes, 2 liars: 100 tasks at redundancy 3 all succeed with the right output; the liars are banned and granted nothing after', async () => {
    const owner = await mesh.node({ ...FAST, worker: false })
    // The liars join first and every worker connects to every other (a full mesh of 7), so each
    // takes part from the first task on.
    const liars = await Promise.all([0, 1].map(async () => await mesh.node({ ...FAST, slots: 2, bootstrap: [addrOf(owner)] }, { workerHooks: workerFaultHooks({ lie: 'random' }) })))
    const honest = await Promise.all([0, 1, 2, 3].map(async () => await mesh.node({ ...FAST, slots: 2, bootstrap: [addrOf(owner), ...liars.map(addrOf)] })))
    const liarIds = liars.map(l => l.peerId)
    await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(6)

    const inputs = Array.from({ length: 100 }, (_, i) => `task ${i}`)
    const ids: string[] = []
    const bannedAfter: Record<string, number> = {}
    const bannedAt: Record<string, number> = {}
    for (const input of inputs) ids.push(...await owner.tasks.submit({ kind: 'sha256', input, redundancy: 3 }))
    const watch = setInterval(() => {
      const done = ids.filter(id => (owner.tasks.get(id) as TaskView).state === 'succeeded').length
      for (const liar of liarIds) {
        if (bannedAfter[liar] == null && standing(owner, liar).state === 'banned') {
          bannedAfter[liar] = done
          bannedAt[liar] = Date.now()
        }
      }
    }, 20)
    try {
      await allDone(owner, ids)
      // A liar that happened to win no replica in the first 100 tasks is not caught yet: more
      // tasks, 50 at a time, up to 400 in all, are the bound.
      while (liarIds.some(l => bannedAfter[l] == null) && ids.length < 400) {
        const more = Array.from({ length: 50 }, (_, i) => `task ${inputs.length + i}`)
        inputs.push(...more)
        for (const input of more) ids.push(...await owner.tasks.submit({ kind: 'sha256', input, redundancy: 3 }))
        await allDone(owner, ids)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    } finally {
      clearInterval(watch)
    }
    for (const [i, id] of ids.entries()) {
      expect((owner.tasks.get(id) as TaskView).state).toBe('succeeded')
      expect(new TextDecoder().decode(owner.tasks.output(id))).toBe(sha256(inputs[i] as string))
    }
    for (const liar of liarIds) {
      expect(standing(owner, liar).state).toBe('banned')
      expect(bannedAfter[liar]).toBeDefined()
      // The ban reaches gossipsub through the application score: the owner graylists the liar.
      await expect.poll(() => gossipsubInternals(owner.libp2p.services.pubsub).getScore(liar), { timeout: 20_000 }).toBeLessThan(SCORE_THRESHOLDS.graylistThreshold)
    }
    console.log(`liars banned after ${JSON.stringify(liarIds.map(l => bannedAfter[l]))} tasks had succeeded (of ${ids.length} submitted); misreports charged: ${JSON.stringify(liarIds.map(l => standing(owner, l).counts.misreport))}`)
    // Bounded: banned at its first decided misreport (a few more may be charged for results it
    // had already handed in before that decision).
    for (const h of honest) expect(standing(owner, h.peerId).counts.misreport ?? 0).toBe(0)

    // Banned peers get nothing: no grant to a liar after its ban (20 ms of watch slack) ...
    for (const liar of liarIds) {
      const grants = ids.flatMap(id => (owner.tasks.get(id) as TaskView).history.filter(h => h.reason.includes(`granted to ${liar}`)).map(h => h.at))
      expect(grants.length).toBeGreaterThan(0)
      expect(grants.filter(at => at > (bannedAt[liar] as number) + 20)).toEqual([])
    }
    // ... and another batch runs on the honest workers only.
    const more = await owner.tasks.submit({ kind: 'sha256', input: 'after the ban', redundancy: 3, count: 10 })
    await allDone(owner, more)
    for (const id of more) {
      const view = owner.tasks.get(id) as TaskView
      expect(view.state).toBe('succeeded')
      expect(view.replicas.map(r => r.worker)).not.toContain(liarIds[0])
      expect(view.replicas.map(r => r.worker)).not.toContain(liarIds[1])
    }
  }, 240_000)

  it('redundancy 1 with spot checks: a liar is caught and banned, and every accepted output is right', async () => {
    const owner = await mesh.node({ ...FAST, worker: false })
    const honest = await Promise.all([0, 1, 2].map(async () => await mesh.node({ ...FAST, slots: 2, bootstrap: [addrOf(owner)] })))
    const liar = await mesh.node({ ...FAST, slots: 2, bootstrap: [addrOf(owner)] }, { workerHooks: workerFaultHooks({ lie: 'random' }) })
    await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(4)
    // Workers stagger their claims by rank among the peers they are connected to: until the peer
    // keeper has connected them to each other, each ranks first and the liar, whose handlers run
    // last in this process, loses every race and is never checked.
    for (const node of [...honest, liar]) await expect.poll(() => node.protocol.peerTable.capacity().length, { timeout: 30_000 }).toBe(4)

    const inputs = Array.from({ length: 40 }, (_, i) => `spot ${i}`)
    const ids: string[] = []
    for (const input of inputs) ids.push(...await owner.tasks.submit({ kind: 'sha256', input }))
    await allDone(owner, ids)
    for (const [i, id] of ids.entries()) expect(new TextDecoder().decode(owner.tasks.output(id))).toBe(sha256(inputs[i] as string))
    expect(standing(owner, liar.peerId).state).toBe('banned')
    const checked = ids.filter(id => (owner.tasks.get(id) as TaskView).replicas.length > 1).length
    console.log(`spot checks: ${checked} of ${ids.length} tasks re-run (all workers new, so on probation)`)
  }, 240_000)

  it('a peer that claims leases and never finishes them is throttled', async () => {
    const owner = await mesh.node({ ...FAST, worker: false, leaseTtlMs: 300 })
    const staller = await mesh.node({ ...FAST, worker: false, bootstrap: [addrOf(owner)] })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === staller.peerId)?.connected, { timeout: 20_000 }).toBe(true)
    const ids = await owner.tasks.submit({ kind: 'sleep', input: '10', count: 6, maxAttempts: 100 })
    // It claims, one at a time (it is on probation), and never renews: each lease expires.
    for (const id of ids) {
      await staller.leases.send(owner.peerId, [{ claim: { task: { owner: peerIdToBytes(owner.peerId), taskId: fromHex(id) as Uint8Array<ArrayBuffer>, replica: 0, epoch: 0 }, worker: peerIdToBytes(staller.peerId) } }])
      await expect.poll(() => (owner.tasks.get(id) as TaskView).history.some(h => h.reason.includes('expired')), { timeout: 20_000 }).toBe(true)
    }
    expect(standing(owner, staller.peerId).counts.lease_expired).toBe(6)
    expect(standing(owner, staller.peerId).state).toBe('throttled')
    for (const id of ids) owner.tasks.cancel(id)
  })

  it('a lying owner: verdicts with valid signatures move an honest worker by at most the cap on a third node; a verdict whose evidence fails costs the liar', async () => {
    const liarOwner = await mesh.node({ ...FAST, worker: false })
    const worker = await mesh.node({ ...FAST, bootstrap: [addrOf(liarOwner)] })
    const third = await mesh.node({ ...FAST, worker: false, bootstrap: [addrOf(liarOwner)] })
    await expect.poll(async () => (await third.peers()).find(p => p.peerId === liarOwner.peerId)?.state, { timeout: 30_000 }).toBe('alive')
    // Real tasks the honest worker really ran and signed.
    const ids = await owner(liarOwner).submit(5)
    await allDone(liarOwner, ids)
    const store = new TaskStore(join(liarOwner.config.dataDir, 'mesh.db'))
    const sybils = await Promise.all([0, 1].map(async () => await generateKeyPair('Ed25519')))
    const verdicts = await Promise.all(ids.map(async id => {
      const task = store.get(id)
      const replica = task?.replicas[0]
      if (replica?.signature == null || replica.outputHash == null) throw new Error('no signed result')
      const ref = { owner: peerIdToBytes(liarOwner.peerId), taskId: fromHex(id) as Uint8Array<ArrayBuffer>, replica: 0, epoch: replica.epoch }
      const own: SignedResult = { task: ref, worker: peerIdToBytes(worker.peerId), status: ResultStatus.SUCCEEDED, outputHash: fromHex(replica.outputHash) as Uint8Array<ArrayBuffer>, signature: fromHex(replica.signature) as Uint8Array<ArrayBuffer> }
      // The lying owner's own sybils "agree" on another output, with valid signatures of their own.
      const contradictions = await Promise.all(sybils.map(async (key, i) => await signResult(key, {
        task: { ...ref, replica: i + 1 }, worker: peerIdToBytes(peerIdFromPrivateKey(key)), status: ResultStatus.SUCCEEDED, outputHash: new Uint8Array(32).fill(7)
      })))
      return { subject: peerIdToBytes(worker.peerId), kind: VerdictKind.MISREPORT, task: ref, evidence: [own, ...contradictions] }
    }))
    store.close()
    for (const verdict of verdicts) await liarOwner.protocol.verdict(verdict)
    await expect.poll(() => standing(third, worker.peerId).counts.misreport ?? standing(third, worker.peerId).score, { timeout: 20_000 }).not.toBe(0)
    await new Promise(resolve => setTimeout(resolve, 1000))
    // Five verdicts, one reporter: never past the cap of 10.
    expect(standing(third, worker.peerId).score).toBeGreaterThanOrEqual(-10)
    expect(standing(third, worker.peerId).score).toBeLessThan(0)
    expect(standing(third, worker.peerId).state).not.toBe('throttled')

    // Evidence that does not verify (a signature altered) costs the reporter.
    const forged = verdicts[0] as NonNullable<typeof verdicts[0]>
    const bad = { ...forged, task: { ...forged.task, epoch: forged.task.epoch + 1 }, evidence: forged.evidence.map(e => ({ ...e, task: { ...(e.task as NonNullable<typeof e.task>), epoch: (e.task?.epoch ?? 0) + 1 } })) }
    await liarOwner.protocol.verdict(bad)
    await expect.poll(() => standing(third, liarOwner.peerId).counts.false_verdict, { timeout: 20_000 }).toBe(1)
    expect(standing(third, liarOwner.peerId).state).toBe('throttled')
  }, 240_000)

  it('a kind that is not deterministic: replicas that differ punish nobody', async () => {
    const owner = await mesh.node({ ...FAST, worker: false })
    const exec = { rand: { argv: ['sh', '-c', 'head -c 16 /dev/urandom | od -An -tx1'] } }
    const workers = await Promise.all([0, 1].map(async () => await mesh.node({ ...FAST, exec, bootstrap: [addrOf(owner)] })))
    await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(2)
    const ids = await owner.tasks.submit({ kind: 'rand', redundancy: 2, count: 3 })
    await allDone(owner, ids)
    for (const id of ids) {
      const view = owner.tasks.get(id) as TaskView
      expect(view.state).toBe('succeeded')
      expect(new Set(view.replicas.map(r => r.outputHash)).size).toBe(2)
      expect(view.replicas.map(r => r.verdict)).toEqual([null, null])
    }
    for (const w of workers) {
      expect(standing(owner, w.peerId).counts.misreport ?? 0).toBe(0)
      expect(standing(owner, w.peerId).score).toBeGreaterThanOrEqual(0)
    }
  }, 240_000)
})

function owner (node: MeshNode): { submit: (n: number) => Promise<string[]> } {
  return { submit: async n => await node.tasks.submit({ kind: 'sha256', input: 'signed by the worker', count: n }) }
}
