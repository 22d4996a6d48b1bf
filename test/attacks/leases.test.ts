import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ResultStatus, RefusalCode, type Grant } from '../../src/gossip/wire/mesh.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { wasmFixture } from '../helpers/wasm.js'
import { WirePeer } from '../helpers/wire-peer.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/view.js'

/**
 * Hostile lease holders (issue 11, attacks 3 and 4). The attacker is a stranger built from npm
 * libp2p packages and the wire codec (test/helpers/wire-peer.ts): it wins leases like any worker
 * and then lies about them.
 */

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView
const misreportsOf = (node: MeshNode, peer: string): number => node.reputation().find(p => p.peerId === peer)?.counts.misreport ?? 0

async function alive (owner: MeshNode, count: number): Promise<void> {
  await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(count)
}

describe('a hostile lease holder', () => {
  const mesh = new TestMesh()
  let attacker: WirePeer | undefined
  let echoModule = ''
  beforeAll(async () => { echoModule = Buffer.from(await wasmFixture('echo')).toString('base64') })
  afterEach(async () => {
    await attacker?.stop()
    attacker = undefined
    await mesh.cleanup()
  })

  async function attackerOn (owner: MeshNode): Promise<WirePeer> {
    attacker = await WirePeer.create()
    await attacker.connect(addrOf(owner))
    return attacker
  }

  async function grantOf (peer: WirePeer, owner: MeshNode, id: string, replica = 0): Promise<Grant & { task: NonNullable<Grant['task']> }> {
    const { offer } = await peer.offerOf(id)
    const answer = await peer.claim(owner.peerId, offer.taskId, replica)
    expect(answer.refusal).toBeUndefined()
    return answer.grant as Grant & { task: NonNullable<Grant['task']> }
  }

  // Attack 3: the attacker wins the first replica of a deterministic task and answers
  // FAILED_PERMANENT. Must hold: that is one claim among the replicas' (at redundancy 1 it is
  // spot-checked like a result); honest replicas decide the task, and a failure they contradict
  // is charged as a misreport.
  it.each([1, 2])('redundancy %i: a FAILED_PERMANENT from one lease holder does not sink the task; honest replicas decide it and the liar is charged a misreport', async redundancy => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const peer = await attackerOn(owner)
    const [id] = await owner.tasks.submit({ kind: 'sha256', input: 'the task', redundancy }) as [string]
    const grant = await grantOf(peer, owner, id)
    // Honest workers join only now, so the attacker's lease is the first one.
    await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    await alive(owner, 2)
    const since = peer.inbox.length
    await peer.send(owner.peerId, [await peer.result(grant.task, ResultStatus.FAILED_PERMANENT, new Uint8Array(), 'this task can never run')])
    await peer.receive(m => m.ack != null || m.refusal != null, since)
    expect(view(owner, id).state).not.toBe('failed')
    await expect.poll(() => view(owner, id).state, { timeout: 60_000 }).toBe('succeeded')
    await expect.poll(() => misreportsOf(owner, peer.id), { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
  }, 120_000)

  // Attack 3, the other side: a worker whose own local limit (here its wasm output cap) stops a
  // run has said nothing about the task. Must hold: it reports a retryable failure, the task is
  // decided by the others, and it is never charged as a misreport.
  it('a worker that fails a replica on its own output cap is not a vote and is not charged as a misreport', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, probationLeases: 4 })
    const small = await mesh.node({ heartbeatMs: 200, allowWasm: true, wasmMaxOutputBytes: 1024, bootstrap: [addrOf(owner)] })
    await alive(owner, 1)
    const [id] = await owner.tasks.submit({ kind: 'wasm', module: echoModule, input: 'x'.repeat(4096), redundancy: 2, maxAttempts: 3 }) as [string]
    await expect.poll(() => view(owner, id).history.some(h => h.reason.includes(`failed on ${small.peerId}`)), { timeout: 30_000 }).toBe(true)
    await mesh.node({ heartbeatMs: 200, allowWasm: true, bootstrap: [addrOf(owner)] })
    await mesh.node({ heartbeatMs: 200, allowWasm: true, bootstrap: [addrOf(owner)] })
    await expect.poll(() => view(owner, id).state, { timeout: 60_000 }).toBe('succeeded')
    expect(misreportsOf(owner, small.peerId)).toBe(0)
    expect((await owner.tasks.logs(id)).attempts.find(a => a.worker === small.peerId)).toMatchObject({ outcome: 'failed' })
  }, 150_000)

  // Attack 4: the attacker holds a lease and keeps renewing it long past the task's timeout.
  // Must hold: the owner ends the attempt at its timeout plus a grace whatever the renewals say,
  // charges the worker, and another worker finishes the task.
  it('renewals cannot keep a lease past the task timeout plus a grace', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 1000 })
    const peer = await attackerOn(owner)
    const [id] = await owner.tasks.submit({ kind: 'sleep', input: '100', timeoutMs: 2000, maxAttempts: 3 }) as [string]
    const grant = await grantOf(peer, owner, id)
    const renewing = setInterval(() => {
      void peer.send(owner.peerId, [{ renew: { task: grant.task, worker: peer.bytes, progress: 1 } }]).catch(() => {})
    }, 250)
    try {
      await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
      // Timeout 2 s, grace 10 s by default: the attempt must end well within 30 s.
      await expect.poll(() => view(owner, id).history.some(h => h.reason.includes(`held by ${peer.id}`) && h.reason.includes('timeout')), { timeout: 30_000 }).toBe(true)
      await expect.poll(() => view(owner, id).state, { timeout: 30_000 }).toBe('succeeded')
      expect(owner.reputation().find(p => p.peerId === peer.id)?.counts.lease_expired).toBeGreaterThanOrEqual(1)
    } finally {
      clearInterval(renewing)
    }
  }, 120_000)

  // Attack 4, the loop: the attacker claims a task and gives it back, again and again. Must hold:
  // beyond a small allowance each release costs it, until the owner refuses it altogether.
  it('a claim-then-release loop ends with the owner refusing the looper', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const peer = await attackerOn(owner)
    const [id] = await owner.tasks.submit({ kind: 'sleep', input: '100' }) as [string]
    const { offer } = await peer.offerOf(id)
    let refused: RefusalCode | undefined
    for (let i = 0; i < 100 && refused == null; i++) {
      const answer = await peer.claim(owner.peerId, offer.taskId, 0)
      if (answer.refusal != null) {
        refused = answer.refusal.code
        break
      }
      const task = answer.grant?.task
      if (task == null) break
      await peer.send(owner.peerId, [{ release: { task, worker: peer.bytes, reason: 'changed my mind' } }])
      await expect.poll(() => view(owner, id).leases.length, { timeout: 10_000, interval: 10 }).toBe(0)
    }
    expect(refused).toBe(RefusalCode.NOT_ELIGIBLE)
    expect(owner.reputation().find(p => p.peerId === peer.id)?.state).toBe('banned')
    // The task itself is untouched: it still has every attempt.
    expect(view(owner, id)).toMatchObject({ state: 'pending', attempts: 0 })
  })
})
