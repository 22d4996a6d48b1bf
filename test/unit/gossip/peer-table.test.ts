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
    expect(table.observe('p', beat(1000), 0)).toEqual({ peerId: 'p', from: 'unknown', to: 'alive' })
    expect(table.sweep(3000)).toEqual([])
    expect(table.sweep(3001)).toEqual([{ peerId: 'p', from: 'alive', to: 'suspect' }])
    expect(table.sweep(5000)).toEqual([])
    expect(table.sweep(5001)).toEqual([{ peerId: 'p', from: 'suspect', to: 'gone' }])
    expect(table.get('p')?.state).toBe('gone')
    expect(table.observe('p', beat(1000), 6000)).toEqual({ peerId: 'p', from: 'gone', to: 'alive' })
    expect(table.observe('p', beat(1000), 6500)).toBeUndefined()
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
  })
})

describe('heartbeatInterval', () => {
  it.each([
    [0, 1000], [10, 1000], [50, 1000], [100, 2000], [1000, 20_000], [10_000, 200_000]
  ])('with %i live peers and at most 50 heartbeats/s received is %i ms', (peers, expected) => {
    expect(heartbeatInterval(1000, peers, 50)).toBe(expected)
  })
})
