import { generateKeyPair } from '@libp2p/crypto/keys'
import type { RPC } from '@libp2p/gossipsub/message'
import { multiaddr } from '@multiformats/multiaddr'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { gossipsubInternals } from '../../src/gossip/gossipsub-internals.js'
import { decodeHeartbeat } from '../../src/gossip/wire/codec.js'
import { rawOf, signedMessage } from '../../src/sim/forgery.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { createStranger } from '../helpers/stranger.js'
import type { GossipSub, SignedMessage } from '@libp2p/gossipsub'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { MeshNode } from '../../src/node/mesh-node.js'

/**
 * Hostile gossip (issue 12, attacks 2 and 3). The attacker is a stranger built from npm libp2p
 * packages and the wire codec (test/helpers/stranger.ts); the honest nodes are real MeshNodes on
 * 127.0.0.1.
 */

type Stranger = Libp2p<{ pubsub: GossipSub }>

const scoreOf = (node: MeshNode, peer: string): number => node.reputation().find(p => p.peerId === peer)?.score ?? 0

/** How many gossip messages the node rejected for this reason. */
async function rejected (node: MeshNode, reason: string): Promise<number> {
  const metric = await node.metrics.gossipMessages.get()
  return metric.values.filter(v => v.labels.result === 'reject' && v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0)
}

describe('hostile gossip', () => {
  const mesh = new TestMesh()
  const strangers: Stranger[] = []
  afterEach(async () => {
    await Promise.all(strangers.splice(0).map(async s => { await s.stop() }))
    await mesh.cleanup()
  })

  async function stranger (key?: PrivateKey): Promise<Stranger> {
    const peer = await createStranger(key)
    strangers.push(peer)
    return peer
  }

  /** Dials a node and waits until it sees the stranger subscribed to the heartbeat topic. */
  async function join (peer: Stranger, node: MeshNode): Promise<void> {
    await peer.dial(multiaddr(addrOf(node)))
    await expect.poll(() => node.libp2p.services.pubsub.getSubscribers(node.protocol.topicOf('heartbeat')).map(String), { timeout: 20_000 })
      .toContain(peer.peerId.toString())
  }

  // The attacker records some of b's signed heartbeats and hands them to v after the seen cache
  // has expired (v's clock runs 200 s ahead: the replay arrives 200 s after b signed it, without
  // the wait). Must hold: v charges the peer that delivered the stale messages, not b; b's score
  // at v does not move and none of the replays is delivered.
  it('replay smear: stale replays of an honest peer\'s heartbeats are charged to whoever delivers them, not to their author', async () => {
    const b = await mesh.node({ heartbeatMs: 200 })
    const v = await mesh.node({ heartbeatMs: 200 }, { clock: { ...systemClock, now: () => Date.now() + 200_000 } })
    const deliveredOnV: string[] = []
    v.protocol.on('heartbeat', (_m, from) => { deliveredOnV.push(from) })
    const evil = await stranger()
    const topic = b.protocol.topicOf('heartbeat')
    evil.services.pubsub.subscribe(topic)

    const captured: SignedMessage[] = []
    evil.services.pubsub.addEventListener('message', event => {
      const msg = event.detail
      if (msg.type === 'signed' && msg.topic === topic && msg.from.equals(b.libp2p.peerId) && captured.length < 5) captured.push(msg)
    })
    await join(evil, b)
    await expect.poll(() => captured.length, { timeout: 20_000 }).toBe(5)
    await evil.hangUp(b.libp2p.peerId)

    await join(evil, v)
    const internals = evil.services.pubsub as unknown as { sendRpc: (id: string, rpc: unknown) => boolean }
    expect(internals.sendRpc(v.peerId, { subscriptions: [], messages: captured.map(rawOf) })).toBe(true)

    await expect.poll(async () => await rejected(v, 'stale_timestamp'), { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    expect(scoreOf(v, b.peerId)).toBe(0)
    expect(scoreOf(v, evil.peerId.toString())).toBeLessThan(0)
    expect(v.reputation().find(p => p.peerId === b.peerId)?.counts.invalid_message ?? 0).toBe(0)
    expect(deliveredOnV.filter(from => from === b.peerId)).toEqual([])
  })

  // With short windows (1.5 s, 0.5 s skew, so the seen cache keeps ids 2.5 s), the attacker
  // sends v one of b's heartbeats, which v also heard from b, four times a second until v
  // refuses it. Must hold: the seen cache outlives the window, so each replay is a duplicate or
  // stale, never delivered again; the deliverer is charged and b's score at v does not move.
  it('replay smear: a replay is a duplicate until it is stale, and only its deliverer pays', async () => {
    const gossipWindows = { maxAgeMs: 1_500, futureSkewMs: 500 }
    const b = await mesh.node({ heartbeatMs: 200 }, { gossipWindows })
    const v = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(b)] }, { gossipWindows })
    const deliveredOnV = new Map<number, number>()
    v.protocol.on('heartbeat', (m, from) => { if (from === b.peerId) deliveredOnV.set(m.timestamp, (deliveredOnV.get(m.timestamp) ?? 0) + 1) })
    const evil = await stranger()
    const topic = b.protocol.topicOf('heartbeat')
    evil.services.pubsub.subscribe(topic)
    let captured: SignedMessage | undefined
    evil.services.pubsub.addEventListener('message', event => {
      const msg = event.detail
      if (captured == null && msg.type === 'signed' && msg.topic === topic && msg.from.equals(b.libp2p.peerId)) captured = msg
    })
    await join(evil, b)
    await join(evil, v)
    await expect.poll(() => captured, { timeout: 20_000 }).toBeDefined()
    const replay = captured as SignedMessage
    const timestamp = decodeHeartbeat(replay.data).timestamp
    await expect.poll(() => deliveredOnV.get(timestamp), { timeout: 20_000 }).toBe(1)

    const internals = evil.services.pubsub as unknown as { sendRpc: (id: string, rpc: unknown) => boolean }
    const replays = setInterval(() => { internals.sendRpc(v.peerId, { subscriptions: [], messages: [rawOf(replay)] }) }, 250)
    try {
      await expect.poll(async () => await rejected(v, 'stale_timestamp'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1)
    } finally {
      clearInterval(replays)
    }
    expect(deliveredOnV.get(timestamp)).toBe(1)
    expect(scoreOf(v, b.peerId)).toBe(0)
    expect(scoreOf(v, evil.peerId.toString())).toBeLessThan(0)
    // b's own heartbeats go on being delivered.
    const heard = deliveredOnV.size
    await expect.poll(() => deliveredOnV.size, { timeout: 20_000 }).toBeGreaterThan(heard + 3)
  })

  // The attacker hears b's heartbeats first-hand and races each one to v re-signed with its own
  // key (the data untouched, so the author field still names b and v rejects the copy); v hears
  // b only through the honest relays a and c (b -> a -> c -> v). Must hold: the rejected copy
  // does not suppress the genuine message (v delivers every heartbeat of b that c delivers), the
  // relays' gossipsub scores stay non-negative, and b stays alive in v's peer table.
  it('message-id poisoning: a re-signed copy raced ahead of an honest message suppresses nothing and costs honest relays nothing', async () => {
    const a = await mesh.node({ heartbeatMs: 200, targetPeers: 0 })
    const b = await mesh.node({ heartbeatMs: 200, targetPeers: 0, bootstrap: [addrOf(a)] })
    const c = await mesh.node({ heartbeatMs: 200, targetPeers: 0, bootstrap: [addrOf(a)] })
    const v = await mesh.node({ heartbeatMs: 200, targetPeers: 0, bootstrap: [addrOf(c)] })
    await v.partition([a.peerId, b.peerId])
    await c.partition([b.peerId])
    await expect.poll(async () => (await v.peers()).find(p => p.peerId === b.peerId)?.state, { timeout: 30_000 }).toBe('alive')

    const beats = (node: MeshNode): Set<number> => {
      const timestamps = new Set<number>()
      node.protocol.on('heartbeat', (m, from) => { if (from === b.peerId) timestamps.add(m.timestamp) })
      return timestamps
    }
    const onC = beats(c)
    const onV = beats(v)

    // The attacker sees each RPC as it arrives, before its own gossipsub checks anything, and
    // sends v the re-signed copy at once.
    const evilKey = await generateKeyPair('Ed25519')
    const evil = await stranger(evilKey)
    const topic = b.protocol.topicOf('heartbeat')
    evil.services.pubsub.subscribe(topic)
    let copies = 0
    const evilPubsub = evil.services.pubsub as unknown as {
      handleReceivedRpc: (from: PeerId, rpc: RPC) => Promise<void>
      sendRpc: (id: string, rpc: RPC) => boolean
    }
    const received = evilPubsub.handleReceivedRpc.bind(evilPubsub)
    const bFrom = b.libp2p.peerId.toMultihash().bytes
    evilPubsub.handleReceivedRpc = async (from, rpc) => {
      for (const msg of rpc.messages) {
        if (msg.topic !== topic || msg.data == null || msg.from == null || !uint8ArrayEquals(msg.from, bFrom)) continue
        if (evilPubsub.sendRpc(v.peerId, { subscriptions: [], messages: [await signedMessage(evilKey, topic, msg.data)], control: undefined })) copies++
      }
      await received(from, rpc)
    }
    await join(evil, v)
    await join(evil, b)
    const start = Date.now()

    await expect.poll(() => copies, { timeout: 60_000 }).toBeGreaterThanOrEqual(25)
    // The copies did reach v, and v refused them.
    await expect.poll(async () => await rejected(v, 'author_mismatch'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
    const during = [...onC].filter(t => t >= start)
    expect(during.length).toBeGreaterThanOrEqual(10)
    // Every heartbeat of b that the last relay delivered reaches v as well (gossip repairs a late one).
    await expect.poll(() => during.filter(t => !onV.has(t)), { timeout: 20_000 }).toEqual([])
    expect(gossipsubInternals(v.libp2p.services.pubsub).getScore(c.peerId)).toBeGreaterThanOrEqual(0)
    expect(gossipsubInternals(c.libp2p.services.pubsub).getScore(a.peerId)).toBeGreaterThanOrEqual(0)
    // The victim keeps hearing the honest peer.
    const heard = onV.size
    await expect.poll(() => onV.size, { timeout: 20_000 }).toBeGreaterThan(heard + 5)
    expect((await v.peers()).find(p => p.peerId === b.peerId)?.state).toBe('alive')
  }, 120_000)
})
