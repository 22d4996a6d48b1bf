import { generateKeyPair } from '@libp2p/crypto/keys'
import type { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { phantomHeartbeat, signedMessage } from '../../src/sim/forgery.js'
import { ignoredFor, validated } from '../helpers/metrics.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { createStranger } from '../helpers/stranger.js'
import type { TaskView } from '../../src/tasks/view.js'

/**
 * Fake capacity (issue 12, attack 1). The attacker is a stranger built from npm libp2p packages
 * and the wire codec (test/helpers/stranger.ts) with one connection to an honest owner; the
 * honest nodes are real MeshNodes on 127.0.0.1.
 */

// 50 heartbeats a second: the bound on the interval below is written for it (the default is 10).
const FAST = { heartbeatMs: 200, heartbeatMaxPerSecond: 50 }
const FORGED = 300
// Nothing listens there: a dial fails at once, on this machine.
const NOWHERE = multiaddr('/ip4/127.0.0.1/tcp/9').bytes as Uint8Array<ArrayBuffer>

describe('fake capacity', () => {
  const mesh = new TestMesh()
  let stranger: Awaited<ReturnType<typeof createStranger>> | undefined
  afterEach(async () => {
    await stranger?.stop()
    stranger = undefined
    await mesh.cleanup()
  })

  // The attacker, one connection to owner O, relays heartbeats signed by 300 fresh keys, each
  // advertising 64 free slots of the kind O's tasks need, twice. Honest: O (owns, runs nothing)
  // and one worker W. Must hold: at most 50 of the forged authors appear as live peers on O; the
  // connection introduces new authors only within its budget; O's peer store and heartbeat
  // interval stay bounded (the store forgets strangers past
  // --max-known-peers, here 40); none of them counts as capacity, so an r = 1 task W runs is not held
  // for a spot check nobody will claim: it finishes within 3 s, with one replica.
  it('300 heartbeat authors forged through one connection: at most 50 live, none counted as capacity, bounded table, store and interval; an honest r = 1 task finishes at once', async () => {
    const o = await mesh.node({ ...FAST, worker: false, maxKnownPeers: 40 })
    const w = await mesh.node({ ...FAST, bootstrap: [addrOf(o)] })
    await expect.poll(async () => (await o.peers()).find(p => p.peerId === w.peerId)?.state, { timeout: 30_000 }).toBe('alive')
    const storeBefore = (await o.libp2p.peerStore.all()).length

    const evil = await createStranger()
    stranger = evil
    const topic = o.protocol.topicOf('heartbeat')
    evil.services.pubsub.subscribe(topic)
    await evil.dial(multiaddr(addrOf(o)))
    await expect.poll(() => o.libp2p.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(evil.peerId.toString())
    await expect.poll(() => evil.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(o.peerId)

    const keys = await Promise.all(Array.from({ length: FORGED }, async () => await generateKeyPair('Ed25519')))
    const forged = new Set(keys.map(key => peerIdFromPrivateKey(key).toString()))
    const delivered = new Set<string>()
    o.protocol.on('heartbeat', (_beat, from) => { if (forged.has(from)) delivered.add(from) })
    const internals = evil.services.pubsub as unknown as { sendRpc: (id: string, rpc: RPC) => boolean }
    const before = await validated(o, 'heartbeat')
    const startedAt = Date.now()
    for (let round = 0; round < 2; round++) {
      const messages = await Promise.all(keys.map(async key => await signedMessage(key, topic, phantomHeartbeat(key, ['echo'], Date.now(), { intervalMs: 60_000, addrs: [NOWHERE] }))))
      for (let i = 0; i < messages.length; i += 20) {
        expect(internals.sendRpc(o.peerId, { subscriptions: [], messages: messages.slice(i, i + 20), control: undefined })).toBe(true)
      }
      await expect.poll(async () => await validated(o, 'heartbeat') - before, { timeout: 60_000 }).toBeGreaterThanOrEqual((round + 1) * FORGED)
    }
    const seconds = (Date.now() - startedAt) / 1000

    const peers = await o.peers()
    const liveForged = peers.filter(p => forged.has(p.peerId) && p.state === 'alive').length
    const storeAfter = (await o.libp2p.peerStore.all()).length
    console.log(`forged authors delivered ${delivered.size} in ${seconds.toFixed(1)} s, live on O ${liveForged}; peer store ${storeBefore} → ${storeAfter}; O's heartbeat interval ${o.protocol.currentHeartbeatMs()} ms`)
    expect(liveForged).toBeLessThanOrEqual(50)
    // The connection's budget for new authors: 64 at once, then 2 a second.
    expect(delivered.size).toBeLessThanOrEqual(64 + Math.ceil(2 * seconds) + 2)
    // Only admitted authors' addresses are stored, and the store forgets strangers beyond its bound.
    // (+ 1: the attacker itself, whose connection's identify fills its entry.)
    expect(storeAfter - storeBefore).toBeLessThanOrEqual(delivered.size + 1)
    await expect.poll(async () => (await o.libp2p.peerStore.all()).length, { timeout: 60_000 }).toBeLessThanOrEqual(40)
    // Heard-of peers widen the interval as mesh members, but no more than 50 of them.
    expect(o.protocol.currentHeartbeatMs()).toBeLessThanOrEqual(Math.ceil((50 + 2) / 50 * 1000))

    // An honest r = 1 task: W runs it; no forged peer counts as a checker, so no spot check waits for one.
    const [id] = await o.tasks.submit({ kind: 'echo', input: 'hello' })
    await expect.poll(() => (o.tasks.get(id as string) as TaskView).state, { timeout: 30_000 }).toBe('succeeded')
    const view = o.tasks.get(id as string) as TaskView
    const tookMs = (view.history.at(-1)?.at ?? Infinity) - view.createdAt
    console.log(`honest r = 1 task: ${tookMs} ms, replicas ${view.replicas.length}, trail ${view.history.map(h => h.reason).join(' / ')}`)
    expect(view.replicas).toHaveLength(1)
    expect(view.replicas[0]?.worker).toBe(w.peerId)
    expect(tookMs).toBeLessThanOrEqual(3000)
    // The peer that did the work is one the store keeps.
    expect((await o.libp2p.peerStore.all()).map(p => p.id.toString())).toContain(w.peerId)
  }, 180_000)

  // A relay that has spent its new-author budget forwards a new author's genuine heartbeat
  // first. Must hold: the victim ignores that copy without remembering its id, so the same
  // message from another peer is still delivered (gossipsub records an id as seen before the
  // topic validator runs).
  it('a relay over its new-author budget cannot suppress a new author\'s genuine message by delivering it first', async () => {
    const v = await mesh.node({ ...FAST, worker: false })
    const evil = await createStranger()
    const other = await createStranger()
    stranger = evil
    const topic = v.protocol.topicOf('heartbeat')
    try {
      for (const peer of [evil, other]) {
        peer.services.pubsub.subscribe(topic)
        await peer.dial(multiaddr(addrOf(v)))
        await expect.poll(() => v.libp2p.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(peer.peerId.toString())
        await expect.poll(() => peer.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(v.peerId)
      }
      const fakes = await Promise.all(Array.from({ length: 80 }, async () => await generateKeyPair('Ed25519')))
      const author = await generateKeyPair('Ed25519')
      const genuine = await signedMessage(author, topic, phantomHeartbeat(author, ['echo'], Date.now(), { intervalMs: 60_000 }))
      const flood = await Promise.all(fakes.map(async key => await signedMessage(key, topic, phantomHeartbeat(key, ['echo']))))
      const delivered: string[] = []
      v.protocol.on('heartbeat', (_beat, from) => { delivered.push(from) })
      const authorId = peerIdFromPrivateKey(author).toString()
      const before = await validated(v, 'heartbeat')
      const send = (peer: typeof evil, messages: RPC.Message[]): boolean =>
        (peer.services.pubsub as unknown as { sendRpc: (id: string, rpc: RPC) => boolean }).sendRpc(v.peerId, { subscriptions: [], messages, control: undefined })
      expect(send(evil, [...flood, genuine])).toBe(true)
      await expect.poll(async () => await validated(v, 'heartbeat') - before, { timeout: 30_000 }).toBeGreaterThanOrEqual(81)
      expect(delivered).not.toContain(authorId)
      expect(await ignoredFor(v, 'new_author_budget')).toBeGreaterThan(0)
      // The same message through another peer, with a budget of its own.
      expect(send(other, [genuine])).toBe(true)
      await expect.poll(() => delivered, { timeout: 20_000 }).toContain(authorId)
    } finally {
      await other.stop()
    }
  })
})
