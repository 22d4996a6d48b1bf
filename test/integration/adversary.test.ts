import type { GossipSub, SignedMessage } from '@libp2p/gossipsub'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { Heartbeat, LeaseFrame, TaskAnnounce, type LeaseMessage } from '../../src/gossip/wire/mesh.js'
import { gossipsubInternals } from '../../src/gossip/gossipsub-internals.js'
import { SCORE_THRESHOLDS } from '../../src/gossip/score-params.js'
import { GOSSIP_RATE_LIMITS } from '../../src/gossip/mesh-protocol.js'
import { LIMITS, PROTOCOL_VERSION } from '../../src/gossip/wire/limits.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { rawOf } from '../../src/sim/forgery.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { createStranger } from '../helpers/stranger.js'
import type { LeaseBody } from '../../src/gossip/wire/codec.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { PeerAction, ReputationHook } from '../../src/reputation/hook.js'

/** A peer built only from npm libp2p packages, speaking gossipsub and raw streams as it likes. */
const createAdversary = async (): Promise<Libp2p<{ pubsub: GossipSub }>> => await createStranger()

class RecordingReputation implements ReputationHook {
  readonly events: Array<{ peerId: string, action: PeerAction, detail: string }> = []
  report = (peerId: string, action: PeerAction, detail: string): void => { this.events.push({ peerId, action, detail }) }
  gossipScore = (): number => 0
  of (peerId: string): string[] { return this.events.filter(e => e.peerId === peerId).map(e => e.detail.split(':')[0] ?? '') }
}

async function rejectReasons (node: MeshNode): Promise<Set<string>> {
  const metric = await node.metrics.gossipMessages.get()
  return new Set(metric.values.filter(v => v.labels.result === 'reject' && v.value > 0).map(v => String(v.labels.reason)))
}

const sample = (author: Uint8Array, now: number, extra: Partial<Heartbeat> = {}): Uint8Array => Heartbeat.encode({
  version: PROTOCOL_VERSION,
  author: author as Uint8Array<ArrayBuffer>,
  timestamp: now,
  capabilities: [{ kind: 'evil', deterministic: true }],
  slotsFree: 1,
  slotsTotal: 1,
  memoryFree: 0,
  loadMilli: 0,
  intervalMs: 1000,
  agent: 'adversary',
  ...extra
})

describe('an adversary on the mesh', () => {
  const mesh = new TestMesh()
  let adversary: Libp2p<{ pubsub: GossipSub }> | undefined
  afterEach(async () => {
    await adversary?.stop()
    adversary = undefined
    await mesh.cleanup()
  })

  async function honestPair (): Promise<{ a: MeshNode, b: MeshNode, repA: RecordingReputation, repB: RecordingReputation }> {
    const repA = new RecordingReputation()
    const repB = new RecordingReputation()
    const a = await mesh.node({ heartbeatMs: 200 }, { reputation: repA })
    const b = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(a)] }, { reputation: repB })
    await expect.poll(async () => (await a.peers()).find(p => p.peerId === b.peerId)?.state, { timeout: 20_000 }).toBe('alive')
    return { a, b, repA, repB }
  }

  async function joinAdversary (targets: MeshNode[]): Promise<Libp2p<{ pubsub: GossipSub }>> {
    const evil = await createAdversary()
    adversary = evil
    for (const topic of ['announce', 'heartbeat', 'cancel', 'verdict']) evil.services.pubsub.subscribe(targets[0]!.protocol.topicOf(topic as 'announce'))
    for (const target of targets) await evil.dial(multiaddr(addrOf(target)))
    // Wait until the honest nodes see its subscriptions, and it sees theirs on the topics it
    // publishes to: a publish to a topic with no known subscriber sends nothing (under load the
    // first publishes went nowhere).
    for (const target of targets) {
      await expect.poll(() => target.libp2p.services.pubsub.getSubscribers(target.protocol.topicOf('heartbeat')).map(String), { timeout: 20_000 })
        .toContain(evil.peerId.toString())
      for (const topic of ['announce', 'heartbeat'] as const) {
        await expect.poll(() => evil.services.pubsub.getSubscribers(target.protocol.topicOf(topic)).map(String), { timeout: 20_000 })
          .toContain(target.peerId)
      }
    }
    return evil
  }

  it('rejects garbage, oversized, forged-author and mis-dated gossip; delivers none of it; graylists the sender; honest traffic flows on', async () => {
    const { a, b, repA } = await honestPair()
    const delivered: string[] = []
    for (const node of [a, b]) {
      node.protocol.on('heartbeat', (_m, from) => { delivered.push(from) })
      node.protocol.on('announce', (_m, from) => { delivered.push(from) })
    }
    const evil = await joinAdversary([a, b])
    const evilId = evil.peerId.toString()
    const evilBytes = peerIdToBytes(evil.peerId)
    const heartbeatTopic = a.protocol.topicOf('heartbeat')
    const announceTopic = a.protocol.topicOf('announce')
    const now = Date.now()

    const attacks: Array<[string, Uint8Array]> = [
      [heartbeatTopic, new TextEncoder().encode('complete garbage, not protobuf \u0000\u00ff')],
      [announceTopic, new Uint8Array(LIMITS.gossipMessageBytes + 1).fill(7)],
      [heartbeatTopic, sample(peerIdToBytes(a.libp2p.peerId), now)],
      [heartbeatTopic, sample(evilBytes, now - LIMITS.maxAgeMs - 60_000)],
      [heartbeatTopic, sample(evilBytes, now + LIMITS.futureSkewMs + 60_000)],
      [announceTopic, TaskAnnounce.encode({ version: PROTOCOL_VERSION, author: evilBytes, timestamp: now, tasks: [], summary: [] })]
    ]
    for (const [topic, data] of attacks) {
      await evil.services.pubsub.publish(topic, data).catch(() => {})
    }

    await expect.poll(async () => await rejectReasons(a), { timeout: 20_000 })
      .toEqual(new Set(['malformed', 'oversized', 'author_mismatch', 'stale_timestamp', 'future_timestamp', 'bad_field']))
    expect(repA.of(evilId).length).toBeGreaterThanOrEqual(6)
    await expect.poll(() => gossipsubInternals(a.libp2p.services.pubsub).getScore(evilId), { timeout: 20_000 })
      .toBeLessThan(SCORE_THRESHOLDS.graylistThreshold)

    // Honest traffic still flows, both ways.
    const before = delivered.length
    await a.protocol.announce([{
      taskId: new Uint8Array(32).fill(1), kind: 'echo', redundancy: 1, timeoutMs: 1000, maxAttempts: 1, priority: 0,
      deadline: Date.now() + 60_000, input: new Uint8Array([1]), inputHash: new Uint8Array(32), inputSize: 1,
      openReplicas: [0], slots: 1, memoryBytes: 0, deterministic: true, module: new Uint8Array(), moduleHash: new Uint8Array(), moduleSize: 0
    }])
    await expect.poll(() => delivered.slice(before).includes(a.peerId), { timeout: 20_000 }).toBe(true)
    expect(delivered).not.toContain(evilId)
    expect(delivered.filter(from => from !== a.peerId && from !== b.peerId)).toEqual([])
    // The forged heartbeats did not put the adversary in the peer table, nor refresh b's entry with its data.
    expect(a.protocol.peerTable.get(evilId)).toBeUndefined()
    expect(a.protocol.peerTable.get(b.peerId)?.agent).toMatch(/^mesh-node\//)
  })

  it('replays: a captured message sent again is never delivered twice, and once too old it is rejected', async () => {
    const { a, b } = await honestPair()
    const seenOnA = new Map<string, number>()
    a.protocol.on('heartbeat', (m, from) => { const key = `${from}/${m.timestamp}`; seenOnA.set(key, (seenOnA.get(key) ?? 0) + 1) })
    // d's clock runs 200 s ahead: every message captured now is too old for it.
    const d = await mesh.node({ heartbeatMs: 200 }, { clock: { ...systemClock, now: () => Date.now() + 200_000 } })
    const fromBOnD: number[] = []
    d.protocol.on('heartbeat', (m, from) => { if (from === b.peerId) fromBOnD.push(m.timestamp) })
    const evil = await joinAdversary([a, d])

    // The adversary captures one of b's signed heartbeats as it was gossiped...
    const captured = await new Promise<SignedMessage>(resolve => {
      evil.services.pubsub.addEventListener('message', event => {
        const msg = event.detail
        if (msg.type === 'signed' && msg.from.equals(b.libp2p.peerId)) resolve(msg)
      })
    })
    const raw = rawOf(captured)
    // ...and sends the very same message again, untouched, to a (which has it) and to d.
    const send = (to: Libp2p, times: number): void => {
      const internals = evil.services.pubsub as unknown as { sendRpc: (id: string, rpc: unknown) => boolean }
      for (let i = 0; i < times; i++) expect(internals.sendRpc(to.peerId.toString(), { subscriptions: [], messages: [raw] })).toBe(true)
    }
    send(a.libp2p, 3)
    send(d.libp2p, 1)
    await expect.poll(async () => (await rejectReasons(d)).has('stale_timestamp'), { timeout: 20_000 }).toBe(true)
    expect(fromBOnD).toEqual([])
    // a keeps hearing b, and never the same heartbeat twice.
    const heard = seenOnA.size
    await expect.poll(() => seenOnA.size, { timeout: 20_000 }).toBeGreaterThan(heard + 2)
    expect([...seenOnA.values()].every(count => count === 1)).toBe(true)
  })

  it('rate-limits a flood of valid messages: rejects what is over the limit and graylists the flooder', async () => {
    const { a, b } = await honestPair()
    const fromEvil: number[] = []
    a.protocol.on('heartbeat', (_m, from) => { if (from !== b.peerId) fromEvil.push(Date.now()) })
    const evil = await joinAdversary([a])
    const evilBytes = peerIdToBytes(evil.peerId)
    const started = Date.now()
    for (let i = 0; i < 300; i++) {
      await evil.services.pubsub.publish(a.protocol.topicOf('heartbeat'), sample(evilBytes, Date.now(), { agent: `flood ${i}` })).catch(() => {})
    }
    const elapsedS = (Date.now() - started) / 1000
    await expect.poll(async () => (await rejectReasons(a)).has('rate_limited'), { timeout: 20_000 }).toBe(true)
    await expect.poll(() => gossipsubInternals(a.libp2p.services.pubsub).getScore(evil.peerId.toString()), { timeout: 20_000 })
      .toBeLessThan(SCORE_THRESHOLDS.graylistThreshold)
    const { rate, burst } = GOSSIP_RATE_LIMITS.heartbeat
    expect(fromEvil.length).toBeLessThanOrEqual(burst + Math.ceil(rate * (elapsedS + 1)))
    // b's heartbeats still arrive.
    const seen = a.protocol.peerTable.get(b.peerId)?.lastSeen ?? 0
    await expect.poll(() => a.protocol.peerTable.get(b.peerId)?.lastSeen ?? 0, { timeout: 20_000 }).toBeGreaterThan(seen)
  })

  it('point-to-point: drops garbage frames and claims in another peer\'s name, delivers an honest claim', async () => {
    const { a, b, repA } = await honestPair()
    const received: Array<{ body: LeaseBody, from: string }> = []
    a.leases.on((body, from) => { received.push({ body, from }) })
    const evil = await createAdversary()
    adversary = evil
    await evil.dial(multiaddr(addrOf(a)))
    const protocol = a.leases.protocol
    const taskRef = { owner: peerIdToBytes(a.libp2p.peerId), taskId: new Uint8Array(32).fill(3), replica: 0, epoch: 0 }

    const send = async (frame: Uint8Array): Promise<void> => {
      const stream = await evil.dialProtocol(a.libp2p.peerId, protocol)
      const lp = lpStream(stream)
      await lp.write(frame).catch(() => {})
      await stream.close().catch(() => {})
    }
    await send(new TextEncoder().encode('garbage frame'))
    await send(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ claim: { task: taskRef, worker: peerIdToBytes(b.libp2p.peerId) } }] }))
    await send(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ grant: { task: { ...taskRef, owner: peerIdToBytes(b.libp2p.peerId) }, worker: peerIdToBytes(evil.peerId), expiresAt: 1, ttlMs: 1000 } }] }))
    // A length prefix over the frame limit: the stream is reset before the frame is read.
    const big = await evil.dialProtocol(a.libp2p.peerId, protocol)
    await lpStream(big, { maxDataLength: 4 * LIMITS.frameBytes }).write(new Uint8Array(LIMITS.frameBytes + 1)).catch(() => {})
    await expect.poll(() => repA.of(evil.peerId.toString()), { timeout: 20_000 }).toEqual(['malformed', 'author_mismatch', 'author_mismatch', 'oversized'])
    expect(received).toEqual([])

    // The same channel carries honest claims, from b through the node's own API: a burst of
    // 5000 in two concurrent sends arrives whole, in order, on one stream.
    const claim = (i: number): LeaseMessage => ({ claim: { task: { ...taskRef, replica: i % 64, taskId: new Uint8Array(32).fill(i % 256) }, worker: peerIdToBytes(b.libp2p.peerId) } })
    const first = Array.from({ length: 2500 }, (_, i) => claim(i))
    const second = Array.from({ length: 2500 }, (_, i) => claim(2500 + i))
    await Promise.all([b.leases.send(a.libp2p.peerId, first), b.leases.send(a.libp2p.peerId, second)])
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(5000)
    expect(received.every(r => r.from === b.peerId && r.body.type === 'claim')).toBe(true)
    const outbound = b.libp2p.getConnections(a.libp2p.peerId).flatMap(c => c.streams).filter(s => s.protocol === protocol && s.direction === 'outbound')
    expect(outbound).toHaveLength(1)

    // Streams a sender closes are closed on the receiving side too: more than the 8 allowed at
    // once, one after another, all get through.
    const own = { task: taskRef, worker: peerIdToBytes(evil.peerId) }
    for (let i = 1; i <= 12; i++) {
      await send(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ claim: own }] }))
      await expect.poll(() => received.filter(r => r.from === evil.peerId.toString()).length, { timeout: 20_000 }).toBe(i)
    }
  })
})
