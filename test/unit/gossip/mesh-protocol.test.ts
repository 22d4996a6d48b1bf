import { generateKeyPair } from '@libp2p/crypto/keys'
import { TopicValidatorResult, type GossipSub, type Message, type TopicValidatorFn } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MeshProtocol, type GossipTypes } from '../../../src/gossip/mesh-protocol.js'
import { GOSSIP_TYPES, type GossipType } from '../../../src/gossip/topics.js'
import { LIMITS } from '../../../src/gossip/wire/limits.js'
import { Heartbeat, TaskAnnounce, TaskCancel, Verdict } from '../../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../../src/gossip/wire/peer-bytes.js'
import { silentLogger } from '../../../src/logger.js'
import { createMetrics } from '../../../src/metrics.js'
import { noReputation } from '../../../src/reputation/hook.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import * as arb from '../../helpers/wire-arbitraries.js'
import type { PeerId } from '@libp2p/interface'

/** Just enough of gossipsub for MeshProtocol to register its validators. */
function fakePubsub (): GossipSub & { validators: Map<string, TopicValidatorFn> } {
  const validators = new Map<string, TopicValidatorFn>()
  return {
    validators,
    topicValidators: validators,
    subscribe: () => {},
    unsubscribe: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    publish: async () => ({ recipients: [] })
  } as unknown as GossipSub & { validators: Map<string, TopicValidatorFn> }
}

const peers = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
const [self, signer, other] = peers as [PeerId, PeerId, PeerId]

function protocolUnderTest (clock = new ManualClock()): { validate: (type: GossipType, data: Uint8Array, from?: PeerId, via?: PeerId) => Promise<TopicValidatorResult>, clock: ManualClock, protocol: MeshProtocol } {
  const pubsub = fakePubsub()
  const protocol = new MeshProtocol({
    pubsub,
    selfId: self,
    network: 'mesh',
    clock,
    logger: silentLogger(),
    metrics: createMetrics(),
    reputation: noReputation,
    heartbeat: { baseMs: 1000, maxPerSecond: 50, agent: 'test', addrs: () => [], capacity: () => ({ capabilities: [], slotsFree: 0, slotsTotal: 0, memoryFree: 0, load: 0 }) }
  })
  protocol.start()
  return {
    clock,
    protocol,
    validate: async (type, data, from = signer, via = from) => {
      const message = { type: 'signed', from, topic: protocol.topicOf(type), data, sequenceNumber: 1n, signature: new Uint8Array(64), key: from.publicKey } as unknown as Message
      return await (pubsub.validators.get(protocol.topicOf(type)) as TopicValidatorFn)(via, message)
    }
  }
}

const VALID: { [K in GossipType]: { arbitrary: fc.Arbitrary<GossipTypes[K]>, encode: (m: GossipTypes[K]) => Uint8Array } } = {
  announce: { arbitrary: arb.taskAnnounce, encode: TaskAnnounce.encode },
  cancel: { arbitrary: arb.taskCancel, encode: TaskCancel.encode },
  heartbeat: { arbitrary: arb.heartbeat, encode: Heartbeat.encode },
  verdict: { arbitrary: arb.verdict, encode: Verdict.encode }
}

describe.each(GOSSIP_TYPES)('the %s topic validator', type => {
  const { arbitrary, encode } = VALID[type] as { arbitrary: fc.Arbitrary<GossipTypes[GossipType]>, encode: (m: GossipTypes[GossipType]) => Uint8Array }
  const written = (message: GossipTypes[GossipType], author: PeerId, timestamp: number): Uint8Array =>
    encode({ ...message, author: peerIdToBytes(author), timestamp })

  it('never throws and never accepts random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async bytes => {
      const { validate } = protocolUnderTest()
      expect(await validate(type, bytes)).not.toBe(TopicValidatorResult.Accept)
    }), { numRuns: 500 })
  })

  it('accepts a valid message from its author within the timestamp window', async () => {
    await fc.assert(fc.asyncProperty(arbitrary, fc.integer({ min: -LIMITS.maxAgeMs, max: LIMITS.futureSkewMs }), async (message, offset) => {
      const { validate, clock } = protocolUnderTest()
      expect(await validate(type, written(message, signer, clock.now() + offset))).toBe(TopicValidatorResult.Accept)
    }), { numRuns: 100 })
  })

  it('rejects a message whose author is not its signer, or whose timestamp is outside the window', async () => {
    await fc.assert(fc.asyncProperty(arbitrary, fc.integer({ min: 1, max: 10 ** 9 }), async (message, beyond) => {
      const { validate, clock } = protocolUnderTest()
      const now = clock.now()
      expect(await validate(type, written(message, other, now))).toBe(TopicValidatorResult.Reject)
      expect(await validate(type, written(message, signer, now + LIMITS.futureSkewMs + beyond))).toBe(TopicValidatorResult.Reject)
      expect(await validate(type, written(message, signer, now - LIMITS.maxAgeMs - beyond))).toBe(TopicValidatorResult.Reject)
      // Relayed by another peer, a message mis-dated by less than the tolerated skew is only
      // ignored (the relay's clock may differ from ours); past that the relay is at fault.
      const slightly = Math.min(beyond, LIMITS.futureSkewMs)
      expect(await validate(type, written(message, signer, now - LIMITS.maxAgeMs - slightly), signer, other)).toBe(TopicValidatorResult.Ignore)
      expect(await validate(type, written(message, signer, now + LIMITS.futureSkewMs + slightly), signer, other)).toBe(TopicValidatorResult.Ignore)
      expect(await validate(type, written(message, signer, now - LIMITS.maxAgeMs - LIMITS.futureSkewMs - beyond), signer, other)).toBe(TopicValidatorResult.Reject)
    }), { numRuns: 100 })
  })

  it('rejects an author over its rate limit when it sends directly, ignores the excess when relayed', async () => {
    const message = fc.sample(arbitrary, { numRuns: 1, seed: 7 })[0] as GossipTypes[GossipType]
    const { validate, clock } = protocolUnderTest()
    const results: TopicValidatorResult[] = []
    for (let i = 0; i < 200; i++) results.push(await validate(type, written(message, signer, clock.now())))
    expect(results).toContain(TopicValidatorResult.Reject)
    expect(await validate(type, written(message, signer, clock.now()), signer, other)).toBe(TopicValidatorResult.Ignore)
    await clock.advance(60_000)
    expect(await validate(type, written(message, signer, clock.now()))).toBe(TopicValidatorResult.Accept)
  })
})

describe('the heartbeat interval', () => {
  it('widens with the distinct authors heard, beyond the 50 the peer table holds without a connection', () => {
    const { protocol, clock } = protocolUnderTest()
    expect(protocol.currentHeartbeatMs()).toBe(1000)
    // Each author's heartbeats arrive through two of three connections (one alone would not count).
    for (let i = 0; i < 1000; i++) for (const via of [i % 3, (i + 1) % 3]) protocol.meshSize.observe(`author-${i}`, `connection-${via}`, clock.now())
    // About 1000 nodes at 50 heartbeats a second: about 20 s (the sketch is within a few %).
    expect(protocol.currentHeartbeatMs()).toBeGreaterThan(17_000)
    expect(protocol.currentHeartbeatMs()).toBeLessThan(23_000)
    expect(protocol.peerTable.liveCount()).toBe(0)
  })
})
