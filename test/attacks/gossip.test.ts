import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { createStranger } from '../helpers/stranger.js'
import type { GossipSub, SignedMessage } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'
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

/** The signed message as it travels in an RPC, to send again untouched. */
function rawOf (msg: SignedMessage): unknown {
  return {
    from: msg.from.toMultihash().bytes,
    data: msg.data,
    seqno: uint8ArrayFromString(msg.sequenceNumber.toString(16).padStart(16, '0'), 'base16'),
    topic: msg.topic,
    signature: msg.signature,
    key: publicKeyToProtobuf(msg.key)
  }
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
  it.fails('replay smear: stale replays of an honest peer\'s heartbeats are charged to whoever delivers them, not to their author', async () => {
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
})
