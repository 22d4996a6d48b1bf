import { describe, expect, it } from 'vitest'
import { compareKnownPeers, peersToForget, planDials, redialBackoff, type DialPlanInput, type KnownPeer } from '../../../src/node/redial-plan.js'

const peer = (peerId: string, workedAt: number | null, lastConnectedAt: number | null): KnownPeer => ({ peerId, workedAt, lastConnectedAt })

const base = (over: Partial<DialPlanInput> = {}): DialPlanInput => ({
  now: 10_000,
  wanted: [],
  known: [],
  connected: new Set(),
  inFlight: new Set(),
  records: new Map(),
  excluded: () => false,
  target: 8,
  maxInFlight: 4,
  ...over
})

describe('redialBackoff', () => {
  it.each([
    [1, 1000], [2, 2000], [3, 4000], [4, 8000], [10, 60_000], [1000, 60_000]
  ])('after %i failures waits %i ms (no jitter at random 0.5)', (failures, ms) => {
    expect(redialBackoff(failures, { initialMs: 1000, maxMs: 60_000 }, () => 0.5)).toBe(ms)
  })

  it('jitters within 20 % either way', () => {
    expect(redialBackoff(3, { initialMs: 1000, maxMs: 60_000 }, () => 0)).toBe(3200)
    expect(redialBackoff(3, { initialMs: 1000, maxMs: 60_000 }, () => 0.999999)).toBe(4800)
  })
})

describe('compareKnownPeers', () => {
  it('ranks peers that did work first (latest first), then recently connected, then strangers', () => {
    const peers = [peer('stranger', null, null), peer('old-conn', null, 100), peer('worked-old', 50, 10), peer('new-conn', null, 900), peer('worked-new', 500, null)]
    expect(peers.sort(compareKnownPeers).map(p => p.peerId)).toEqual(['worked-new', 'worked-old', 'new-conn', 'old-conn', 'stranger'])
  })
})

describe('planDials', () => {
  it('dials the best remembered peers, only as many as connections are missing', () => {
    const known = [peer('a', null, 1), peer('b', 5, 1), peer('c', null, 9), peer('d', null, null)]
    expect(planDials(base({ known, target: 3, connected: new Set(['x']) }))).toEqual(['b', 'c'])
  })

  it('dials no remembered peer at or above the target, but always the wanted ones that are due', () => {
    const known = [peer('a', 5, 5)]
    const connected = new Set(['x', 'y'])
    expect(planDials(base({ known, target: 2, connected }))).toEqual([])
    expect(planDials(base({ known, target: 2, connected, wanted: ['owner'] }))).toEqual(['owner'])
  })

  it('skips peers connected, in flight, excluded or not yet due, and never exceeds the dials in flight', () => {
    const known = ['a', 'b', 'c', 'd', 'e', 'f'].map(id => peer(id, null, 1))
    const records = new Map([['c', { failures: 2, nextDialAt: 10_001 }], ['d', { failures: 2, nextDialAt: 10_000 }]])
    const plan = planDials(base({ known, records, connected: new Set(['a']), inFlight: new Set(['b']), excluded: id => id === 'e', maxInFlight: 3 }))
    expect(plan).toEqual(['d', 'f'])
    expect(planDials(base({ known, inFlight: new Set(['1', '2', '3', '4']) }))).toEqual([])
  })

  it('wanted peers come before remembered ones and each peer is planned once', () => {
    const known = [peer('a', 9, 9), peer('owner', null, 1)]
    expect(planDials(base({ known, wanted: ['owner', 'owner'], maxInFlight: 2 }))).toEqual(['owner', 'a'])
  })
})

describe('peersToForget', () => {
  it('forgets strangers first, then the least recently connected, never a protected peer', () => {
    const known = [peer('worked', 5, 5), peer('stranger1', null, null), peer('conn-old', null, 1), peer('stranger2', null, null), peer('conn-new', null, 9), peer('boot', null, null)]
    expect(peersToForget(known, 10, new Set())).toEqual([])
    expect(peersToForget(known, 3, new Set(['boot'])).sort()).toEqual(['conn-old', 'stranger1', 'stranger2'])
    expect(peersToForget(known, 2, new Set(['boot'])).sort()).toEqual(['conn-new', 'conn-old', 'stranger1', 'stranger2'])
  })
})
