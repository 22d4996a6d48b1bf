import { generateKeyPair } from '@libp2p/crypto/keys'
import type { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { gossipsubInternals } from '../../src/gossip/gossipsub-internals.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { Reputation } from '../../src/reputation/reputation.js'
import { forgedVerdict, signedMessage } from '../../src/sim/forgery.js'
import { validated } from '../helpers/metrics.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { createStranger } from '../helpers/stranger.js'
import type { MeshNode } from '../../src/node/mesh-node.js'

const FAST = { heartbeatMs: 200 }

describe('verdict floods', () => {
  const mesh = new TestMesh()
  let stranger: Awaited<ReturnType<typeof createStranger>> | undefined
  afterEach(async () => {
    await stranger?.stop()
    stranger = undefined
    await mesh.cleanup()
  })

  // The attacker, one connection to A, relays 200 misreport verdicts, each signed by a fresh key
  // (gossipsub signature and author field agree), well formed but with evidence whose signatures
  // do not verify. Honest A - B - C in a line. Must hold: A checks the evidence before gossipsub
  // forwards anything, so B and C deliver none of them and keep no record of the fresh keys; the
  // attacker's gossipsub score on A falls (REJECT: P4); A's first-hand records of peers that did
  // work survive, however small A's table.
  it('200 verdicts with failing evidence from fresh keys: none reaches a second hop, no record of them past the first, honest records kept, the relay penalized', async () => {
    const aReputation = new Reputation({ clock: systemClock, maxRecords: 64 })
    const a = await mesh.node({ ...FAST, worker: false }, { reputation: aReputation })
    const b = await mesh.node({ ...FAST, worker: false, bootstrap: [addrOf(a)] })
    const c = await mesh.node({ ...FAST, worker: false, bootstrap: [addrOf(b)] })
    // A line: A and C never connect directly.
    await a.partition([c.peerId])
    await c.partition([a.peerId])
    await expect.poll(async () => (await c.peers()).find(p => p.peerId === a.peerId)?.state, { timeout: 30_000 }).toBe('alive')

    // A's first-hand records of 20 peers that did verified work for it.
    const workers = await Promise.all(Array.from({ length: 20 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    for (const worker of workers) for (let i = 0; i < 3; i++) aReputation.report(worker, 'verified_success', 'test: honest work')

    const delivered = { b: 0, c: 0 }
    b.protocol.on('verdict', () => { delivered.b++ })
    c.protocol.on('verdict', () => { delivered.c++ })

    const evil = await createStranger()
    stranger = evil
    const topic = a.protocol.topicOf('verdict')
    evil.services.pubsub.subscribe(topic)
    await evil.dial(multiaddr(addrOf(a)))
    await expect.poll(() => a.libp2p.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(evil.peerId.toString())
    await expect.poll(() => evil.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(a.peerId)

    const victim = peerIdToBytes(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
    const contradictor = peerIdToBytes(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
    const keys = await Promise.all(Array.from({ length: 200 }, async () => await generateKeyPair('Ed25519')))
    const authors = new Set(keys.map(key => peerIdFromPrivateKey(key).toString()))
    const messages = await Promise.all(keys.map(async key => await signedMessage(key, topic, forgedVerdict(key, victim, contradictor))))
    const internals = evil.services.pubsub as unknown as { sendRpc: (id: string, rpc: RPC) => boolean }
    for (let i = 0; i < messages.length; i += 20) {
      expect(internals.sendRpc(a.peerId, { subscriptions: [], messages: messages.slice(i, i + 20), control: undefined })).toBe(true)
    }

    // A has judged all 200 ...
    await expect.poll(async () => await validated(a, 'verdict'), { timeout: 60_000 }).toBeGreaterThanOrEqual(200)
    // ... and C has since heard A's heartbeats through B: anything A forwarded has had its time.
    const heard: number[] = []
    c.protocol.on('heartbeat', (_m, from) => { if (from === a.peerId) heard.push(Date.now()) })
    await expect.poll(() => heard.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
    const recordsOf = (node: MeshNode): number => node.reputation().filter(r => authors.has(r.peerId)).length
    console.log(`delivered at B ${delivered.b}, at C ${delivered.c}; records of fresh keys: A ${recordsOf(a)}, B ${recordsOf(b)}, C ${recordsOf(c)}; honest records kept on A ${workers.filter(w => a.reputation().some(r => r.peerId === w)).length}/20; attacker's score on A ${gossipsubInternals(a.libp2p.services.pubsub).getScore(evil.peerId.toString())}`)

    expect(delivered.b).toBe(0)
    expect(delivered.c).toBe(0)
    expect(await validated(c, 'verdict')).toBe(0)
    expect(recordsOf(b)).toBe(0)
    expect(recordsOf(c)).toBe(0)
    for (const worker of workers) expect(a.reputation().find(r => r.peerId === worker)?.verified).toBe(3)
    expect(a.reputation().length).toBeLessThanOrEqual(64)
    await expect.poll(() => gossipsubInternals(a.libp2p.services.pubsub).getScore(evil.peerId.toString()), { timeout: 20_000 }).toBeLessThan(0)
  }, 120_000)
})
