import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/logger.js'
import { METADATA_CONNECTED, METADATA_WORKED, PeerKeeper, WORKED_TAG, WORKED_TAG_VALUE } from '../../../src/node/peer-keeper.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { PeerId } from '@libp2p/interface'

const time = (ms: number): Uint8Array => {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setFloat64(0, ms)
  return bytes
}

/** Lets the keeper's start-up refresh (a chain of promises) run to its end. */
const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

async function ids (n: number): Promise<PeerId[]> {
  return await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

interface StoredPeer { id: PeerId, metadata: Map<string, Uint8Array>, tags: Map<string, unknown> }

/** A libp2p with a peer store in memory, connections by hand, and dials that succeed only for peers marked up. */
function fakeLibp2p (self: PeerId, stored: StoredPeer[]) {
  const listeners = new Map<string, (event: CustomEvent<PeerId>) => void>()
  const connected = new Set<string>()
  const up = new Set<string>()
  const dials: string[] = []
  return {
    dials,
    up,
    connected,
    stored,
    peerId: self,
    getConnections: () => [...connected].map(id => ({ remotePeer: { toString: () => id } })),
    dial: async (peer: PeerId) => {
      dials.push(peer.toString())
      if (!up.has(peer.toString())) throw new Error('connection refused')
      connected.add(peer.toString())
      listeners.get('peer:connect')?.(new CustomEvent('peer:connect', { detail: peer }))
    },
    peerStore: {
      all: async () => stored,
      merge: async (id: PeerId, data: { metadata: Record<string, Uint8Array>, tags?: Record<string, unknown> }) => {
        let peer = stored.find(p => p.id.equals(id))
        if (peer == null) {
          peer = { id, metadata: new Map(), tags: new Map() }
          stored.push(peer)
        }
        for (const [key, value] of Object.entries(data.metadata)) peer.metadata.set(key, value)
        for (const [key, value] of Object.entries(data.tags ?? {})) {
          // As libp2p's peer store: a tag value outside 0-100 fails the whole merge.
          const tagValue = (value as { value?: number } | undefined)?.value ?? 0
          if (tagValue < 0 || tagValue > 100) throw new Error('tag value must be between 0-100')
          peer.tags.set(key, value)
        }
      },
      delete: async (id: PeerId) => { stored.splice(stored.findIndex(p => p.id.equals(id)), 1) }
    },
    addEventListener: (name: string, fn: (event: CustomEvent<PeerId>) => void) => { listeners.set(name, fn) },
    removeEventListener: (name: string) => { listeners.delete(name) }
  }
}

describe('PeerKeeper', () => {
  it('on start dials remembered peers best first (did work, then recently connected), as many as connections are missing', async () => {
    const [self, worked, recent, old, stranger] = await ids(5) as [PeerId, PeerId, PeerId, PeerId, PeerId]
    const libp2p = fakeLibp2p(self, [
      { id: stranger, metadata: new Map(), tags: new Map() },
      { id: old, metadata: new Map([[METADATA_CONNECTED, time(100)]]), tags: new Map() },
      { id: recent, metadata: new Map([[METADATA_CONNECTED, time(900)]]), tags: new Map() },
      { id: worked, metadata: new Map([[METADATA_WORKED, time(50)]]), tags: new Map() }
    ])
    const clock = new ManualClock()
    const keeper = new PeerKeeper({ libp2p: libp2p as any, clock, logger: silentLogger(), random: () => 0.5, wanted: () => [] }, { targetPeers: 3, maxInFlight: 4 })
    keeper.start()
    await settle()
    expect(libp2p.dials).toEqual([worked, recent, old].map(String))
    keeper.stop()
  })

  it('backs off per peer, doubling to its cap, and resets once the peer connects', async () => {
    const [self, peer] = await ids(2) as [PeerId, PeerId]
    const libp2p = fakeLibp2p(self, [{ id: peer, metadata: new Map([[METADATA_CONNECTED, time(1)]]), tags: new Map() }])
    const clock = new ManualClock()
    const keeper = new PeerKeeper({ libp2p: libp2p as any, clock, logger: silentLogger(), random: () => 0.5, wanted: () => [] }, { tickMs: 100, initialBackoffMs: 1000, maxBackoffMs: 4000 })
    keeper.start()
    const dialTimes: number[] = []
    const t0 = clock.now()
    for (let i = 0; i < 200; i++) {
      const before = libp2p.dials.length
      await clock.advance(100)
      if (libp2p.dials.length > before) dialTimes.push(clock.now() - t0)
    }
    const gaps = dialTimes.slice(1).map((t, i) => t - (dialTimes[i] as number))
    expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 4000])
    expect(keeper.describe(peer.toString()).dialFailures).toBe(dialTimes.length)
    libp2p.up.add(peer.toString())
    await clock.advance(4100)
    expect(libp2p.connected.has(peer.toString())).toBe(true)
    const state = keeper.describe(peer.toString())
    expect(state).toMatchObject({ dialFailures: 0, nextDialAt: null })
    expect(state.lastConnectedAt).toBeGreaterThan(t0)
    keeper.stop()
  })

  it('dials a wanted peer even at its target, with a shorter cap, and at once when its addresses change', async () => {
    const [self, owner, other] = await ids(3) as [PeerId, PeerId, PeerId]
    const libp2p = fakeLibp2p(self, [])
    libp2p.connected.add(other.toString())
    const clock = new ManualClock()
    const keeper = new PeerKeeper({ libp2p: libp2p as any, clock, logger: silentLogger(), random: () => 0.5, wanted: () => [owner.toString()] }, { targetPeers: 1, tickMs: 100, maxBackoffMs: 300_000, wantedMaxBackoffMs: 2000 })
    keeper.start()
    await clock.advance(20_000)
    // 1 s, 2 s, then every 2 s: about 10 dials in 20 s, never the 300 s cap.
    expect(libp2p.dials.filter(d => d === owner.toString()).length).toBeGreaterThanOrEqual(9)
    // Just after a failed dial the next one is a full backoff away; new addresses cut it short.
    const count = libp2p.dials.length
    while (libp2p.dials.length === count) await clock.advance(100)
    const before = libp2p.dials.length
    expect(keeper.describe(owner.toString()).nextDialAt).toBeGreaterThanOrEqual(clock.now() + 1500)
    keeper.addressesChanged(owner.toString())
    await clock.advance(100)
    expect(libp2p.dials.length).toBe(before + 1)
    keeper.stop()
  })

  it('keeps the peer store under its bound by forgetting strangers first, never bootstrap peers', async () => {
    const peers = await ids(16)
    const [self, boot, worked, ...strangers] = peers as [PeerId, PeerId, PeerId, ...PeerId[]]
    const stored: StoredPeer[] = [
      { id: boot, metadata: new Map(), tags: new Map([['keep-alive-mesh-bootstrap', {}]]) },
      { id: worked, metadata: new Map([[METADATA_WORKED, time(5)]]), tags: new Map() },
      ...strangers.map(id => ({ id, metadata: new Map(), tags: new Map() }))
    ]
    const libp2p = fakeLibp2p(self, stored)
    const clock = new ManualClock()
    const keeper = new PeerKeeper({ libp2p: libp2p as any, clock, logger: silentLogger(), random: () => 0.5, wanted: () => [] }, { maxKnownPeers: 10, targetPeers: 0 })
    keeper.start()
    await settle()
    expect(stored).toHaveLength(10)
    expect(stored.map(p => p.id.toString())).toEqual(expect.arrayContaining([boot.toString(), worked.toString()]))
    keeper.stop()
  })

  it('tags a peer that did work, so libp2p prunes its connection after an idle stranger\'s', async () => {
    const [self, worker] = await ids(2) as [PeerId, PeerId]
    const stored: StoredPeer[] = []
    const keeper = new PeerKeeper({ libp2p: fakeLibp2p(self, stored) as any, clock: new ManualClock(), logger: silentLogger(), random: () => 0.5, wanted: () => [] }, { targetPeers: 0 })
    keeper.noteWorked(worker.toString())
    await settle()
    expect(stored.find(p => p.id.equals(worker))?.tags.get(WORKED_TAG)).toEqual({ value: WORKED_TAG_VALUE })
    expect(stored.find(p => p.id.equals(worker))?.metadata.has(METADATA_WORKED)).toBe(true)
  })
})
