import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

/**
 * An owner keeps at most `residentTasks` pending tasks in memory; the rest wait in its store
 * (src/tasks/backlog.ts) and are loaded in priority order as the window drains. The bench's
 * owner-scale run holds the large figure (1,000,000 queued tasks); this holds the behaviour on
 * real nodes with a small window.
 */

type Stats = { resident: number, parked: number, counts: Record<string, number> }
const stats = (node: MeshNode): Stats => node.tasks.stats() as Stats
const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView

describe('owner backlog: a queue larger than the owner keeps in memory', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('parks what does not fit, loads it as the window drains (higher priority first), cancels a parked task, and every other task succeeds', async () => {
    const owner = await mesh.node({ worker: false, residentTasks: 16, probationLeases: 64, heartbeatMs: 200 })
    const workers = await Promise.all([0, 1].map(async () => await mesh.node({ bootstrap: [addrOf(owner)], heartbeatMs: 200, slots: 2 })))
    for (const w of workers) await expect.poll(async () => (await owner.peers()).find(p => p.peerId === w.peerId)?.state, { timeout: 30_000 }).toBe('alive')

    const low = await owner.tasks.submit({ kind: 'echo', input: 'low', count: 150 })
    const high = await owner.tasks.submit({ kind: 'echo', input: 'high', count: 50, priority: 5 })
    const parkedAtSubmit = stats(owner).parked
    expect(parkedAtSubmit).toBeGreaterThan(150)
    // A parked task can be cancelled (it is read from the store for it).
    const lastLow = low.at(-1) as string
    expect((owner.tasks.cancel(lastLow) as TaskView).state).toBe('cancelled')

    let maxResident = 0
    const watch = setInterval(() => { maxResident = Math.max(maxResident, stats(owner).resident) }, 5)
    try {
      await expect.poll(() => stats(owner).counts.succeeded ?? 0, { timeout: 120_000, interval: 200 }).toBe(199)
    } finally {
      clearInterval(watch)
    }
    expect(stats(owner).parked).toBe(0)
    // The window (16) plus the leases two workers of 2 slots can hold, and a moment's refill.
    expect(maxResident).toBeLessThanOrEqual(16 + 4 + 16)
    // Priority crosses the window: the high-priority tasks, submitted behind 150 parked ones,
    // finish before most of the low ones (at most half a window of low ones goes first).
    const doneAt = (id: string): number => view(owner, id).history.find(h => h.state === 'succeeded')?.at ?? Infinity
    const lastHigh = Math.max(...high.map(doneAt))
    const lowBefore = low.slice(0, -1).filter(id => doneAt(id) < lastHigh).length
    console.log(`parked at submit ${parkedAtSubmit}, most resident ${maxResident}, low-priority tasks done before the last high one ${lowBefore}`)
    expect(lowBefore).toBeLessThanOrEqual(16 + 8 + 4)
    for (const id of [...low.slice(0, -1), ...high]) expect(view(owner, id).state).toBe('succeeded')
    expect(view(owner, lastLow).state).toBe('cancelled')
  }, 180_000)
})
