import { describe, expect, it } from 'vitest'
import type { PeerRecord } from '../../../src/gossip/peer-table.js'
import { capacityWarning, type WaitingContext } from '../../../src/tasks/waiting-reason.js'

const peer = (peerId: string, kinds: string[]): PeerRecord => ({
  peerId, lastSeen: 0, intervalMs: 1000, capabilities: kinds.map(kind => ({ kind, deterministic: true })),
  slotsFree: 2, slotsTotal: 2, memoryFree: 1 << 30, load: 0, agent: 'test', state: 'alive', connected: true
})
const context = (runsHere: boolean): WaitingContext => ({ self: 'self', runsLocally: () => runsHere, reputation: { stateOf: () => 'neutral' } })

describe('capacityWarning (what submit warns of)', () => {
  const alive = [peer('a', ['sha256']), peer('b', ['sha256']), peer('c', ['echo'])]

  it('says nothing when enough distinct peers run the kind, this node among them', () => {
    expect(capacityWarning('sha256', 2, alive, context(false))).toBeUndefined()
    expect(capacityWarning('sha256', 3, alive, context(true))).toBeUndefined()
  })

  it('counts this node only when it runs the kind, and says which', () => {
    expect(capacityWarning('sha256', 5, alive, context(true))).toMatch(/^only 3 live peer\(s\) run kind "sha256" \(this node counted\), fewer than the 5 distinct peers/)
    expect(capacityWarning('sha256', 5, alive, context(false))).toMatch(/^only 2 live peer\(s\) run kind "sha256" \(this node does not run it\), fewer than the 5 distinct peers redundancy 5 needs: the task waits for 3 more/)
  })

  it('says when no peer runs it at all', () => {
    expect(capacityWarning('wasm', 1, alive, context(false))).toMatch(/^no live peer runs kind "wasm" \(nor this node\)/)
  })
})
