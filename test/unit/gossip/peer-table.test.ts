import { describe, expect, it } from 'vitest'
import { PeerTable, heartbeatInterval, stateAt } from '../../../src/gossip/peer-table.js'
import type { Heartbeat } from '../../../src/gossip/wire/mesh.js'

const beat = (intervalMs: number): Heartbeat => ({
  version: 1,
  author: new Uint8Array([1]),
  timestamp: 0,
  capabilities: [{ kind: 'echo', deterministic: true }],
  slotsFree: 1,
  slotsTotal: 2,
  memoryFree: 1024,
  loadMilli: 1500,
  intervalMs,
  agent: 'mesh-node/test',
  addrs: []
})

describe('PeerTable', () => {
  it('goes alive -> suspect after 3 missed heartbeats -> gone after 5 -> alive on the next one', () => {
    const table = new PeerTable({ forgetGoneAfterMs: 60_000 })
    expect(table.observe('p', beat(1000), 0)).toEqual({ admitted: true, change: { peerId: 'p', from: 'unknown', to: 'alive' } })
    expect(table.sweep(3000)).toEqual([])
    expect(table.sweep(3001)).toEqual([{ peerId: 'p', from: 'alive', to: 'suspect' }])
    expect(table.sweep(5000)).toEqual([])
    expect(table.sweep(5001)).toEqual([{ peerId: 'p', from: 'suspect', to: 'gone' }])
    expect(table.get('p')?.state).toBe('gone')
    expect(table.observe('p', beat(1000), 6000)).toEqual({ admitted: true, change: { peerId: 'p', from: 'gone', to: 'alive' } })
    expect(table.observe('p', beat(1000), 6500)).toEqual({ admitted: true })
    expect(table.get('p')).toMatchObject({ slotsFree: 1, slotsTotal: 2, load: 1.5, capabilities: [{ kind: 'echo', deterministic: true }] })
  })

  it("judges each peer by the interval it announced", () => {
    expect(stateAt({ lastSeen: 0, intervalMs: 10_000 }, 29_000)).toBe('alive')
    expect(stateAt({ lastSeen: 0, intervalMs: 1000 }, 29_000)).toBe('gone')
  })

  it('forgets a peer gone for long, and keeps at most maxPeers', () => {
    const table = new PeerTable({ forgetGoneAfterMs: 1000, maxPeers: 2 })
    table.observe('a', beat(100), 0)
    table.observe('b', beat(100), 10)
    table.observe('c', beat(100), 20)
    expect(table.list().map(r => r.peerId).sort()).toEqual(['b', 'c'])
    table.sweep(10_000)
    expect(table.list()).toEqual([])
    expect(table.heardOfCount()).toBe(0)
  })

  it('counts only connected live peers as capacity', () => {
    const table = new PeerTable()
    table.setConnected('a', true)
    table.observe('a', beat(1000), 0)
    table.observe('b', beat(1000), 0)
    expect(table.capacity().map(r => r.peerId)).toEqual(['a'])
    table.setConnected('b', true)
    expect(table.capacity().map(r => r.peerId).sort()).toEqual(['a', 'b'])
    table.setConnected('a', false)
    expect(table.capacity().map(r => r.peerId)).toEqual(['b'])
    table.sweep(5001)
    expect(table.capacity()).toEqual([])
  })

  it('keeps at most maxHeardOf peers without a connection: a stranger replaces the longest-silent stranger, never a peer that did work', () => {
    const valued = new Set(['w'])
    const table = new PeerTable({ maxHeardOf: 3, isValued: peer => valued.has(peer) })
    table.setConnected('c', true)
    table.observe('c', beat(1000), 0)
    table.observe('w', beat(1000), 1)
    table.observe('s1', beat(1000), 2)
    table.observe('s2', beat(1000), 3)
    expect(table.heardOfCount()).toBe(3)
    expect(table.observe('s3', beat(1000), 4).admitted).toBe(true)
    expect(table.list().map(r => r.peerId).sort()).toEqual(['c', 's2', 's3', 'w'])
    // Connected peers are not counted against the bound.
    table.setConnected('x', true)
    expect(table.observe('x', beat(1000), 5).admitted).toBe(true)
    expect(table.heardOfCount()).toBe(3)
    // A peer that disconnects becomes heard of, and the longest-silent stranger makes room.
    table.observe('c', beat(1000), 6)
    table.setConnected('c', false)
    expect(table.heardOfCount()).toBe(3)
    expect(table.list().map(r => r.peerId).sort()).toEqual(['c', 's3', 'w', 'x'])
  })

  it('refuses a stranger when only peers that did work are heard of, and admits a valued peer in place of the longest-silent', () => {
    const valued = new Set(['w1', 'w2', 'w3'])
    const table = new PeerTable({ maxHeardOf: 2, isValued: peer => valued.has(peer) })
    table.observe('w1', beat(1000), 0)
    table.observe('w2', beat(1000), 1)
    expect(table.observe('s', beat(1000), 2)).toEqual({ admitted: false })
    expect(table.get('s')).toBeUndefined()
    expect(table.observe('w3', beat(1000), 3).admitted).toBe(true)
    expect(table.list().map(r => r.peerId).sort()).toEqual(['w2', 'w3'])
  })

  it('believes a claimed interval up to maxIntervalMs only', () => {
    const table = new PeerTable({ maxIntervalMs: 2000 })
    table.observe('p', beat(300_000), 0)
    expect(table.get('p')?.intervalMs).toBe(2000)
    expect(table.sweep(10_001)).toEqual([{ peerId: 'p', from: 'alive', to: 'gone' }])
  })
})

describe('heartbeatInterval', () => {
  it.each([
    [0, 1000], [10, 1000], [50, 1000], [100, 2000], [1000, 20_000], [10_000, 200_000]
  ])('with %i live peers and at most 50 heartbeats/s received is %i ms', (peers, expected) => {
    expect(heartbeatInterval(1000, peers, 50)).toBe(expected)
  })
})
