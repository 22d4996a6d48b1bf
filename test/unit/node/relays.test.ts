import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { RelayKeeper } from '../../../src/node/relays.js'
import { createLogger } from '../../../src/logger.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { RelayProbe } from '../../../src/node/reachability.js'
import type { MeshLibp2p } from '../../../src/node/libp2p.js'

async function peerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/** A private node holding reservations on `relays`: only what RelayKeeper reads of libp2p. */
function fakeLibp2p (self: string, relays: string[], hungUp: string[]): MeshLibp2p {
  return {
    getMultiaddrs: () => relays.filter(r => !hungUp.includes(r)).map(r => multiaddr(`/ip4/10.0.0.1/tcp/4001/p2p/${r}/p2p-circuit/p2p/${self}`)),
    getConnections: () => [],
    hangUp: async (peer: { toString: () => string }) => { hungUp.push(peer.toString()) }
  } as unknown as MeshLibp2p
}

describe('RelayKeeper: relays that hold a reservation but do not forward', () => {
  it('checks each held relay at once and then every probeMs; leaves one found not forwarding and avoids it', async () => {
    const [self, good, bad] = await Promise.all([peerId(), peerId(), peerId()])
    const clock = new ManualClock()
    const hungUp: string[] = []
    const asked: string[] = []
    const answers: Record<string, RelayProbe> = { [good]: 'forwards', [bad]: 'not forwarding' }
    const keeper = new RelayKeeper({
      libp2p: fakeLibp2p(self, [good, bad], hungUp),
      reachability: () => 'private',
      probe: async relay => { asked.push(relay); return answers[relay] ?? 'unknown' },
      probeMs: 120_000,
      avoidMs: 600_000,
      tickMs: 1e9,
      clock,
      logger: createLogger({ level: 'silent' })
    })
    keeper.start()
    await keeper.checkOne()
    await keeper.checkOne()
    expect(asked).toEqual([good, bad])
    expect(hungUp).toEqual([bad])
    expect(keeper.relays()).toEqual([good])
    expect(keeper.avoidedRelays()).toEqual([{ peerId: bad, reason: 'not forwarding', remainingMs: 600_000 }])

    // The good relay is not asked again before probeMs.
    await clock.advance(60_000)
    await keeper.checkOne()
    expect(asked).toEqual([good, bad])
    await clock.advance(60_000)
    await keeper.checkOne()
    expect(asked).toEqual([good, bad, good])
    // The avoidance ends after avoidMs.
    await clock.advance(480_000)
    expect(keeper.avoidedRelays()).toEqual([])
    // Stopped: no more checks.
    keeper.stop()
    await clock.advance(240_000)
    await keeper.checkOne()
    expect(asked).toEqual([good, bad, good])
  })

  it('an unknown answer (no peer could check) leaves the relay held', async () => {
    const [self, relay] = await Promise.all([peerId(), peerId()])
    const hungUp: string[] = []
    const keeper = new RelayKeeper({
      libp2p: fakeLibp2p(self, [relay], hungUp),
      reachability: () => 'private',
      probe: async () => 'unknown',
      tickMs: 1e9,
      clock: new ManualClock(),
      logger: createLogger({ level: 'silent' })
    })
    keeper.start()
    await keeper.checkOne()
    keeper.stop()
    expect(hungUp).toEqual([])
    expect(keeper.relays()).toEqual([relay])
    expect(keeper.avoidedRelays()).toEqual([])
  })
})
