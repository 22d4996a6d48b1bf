import { describe, expect, it } from 'vitest'
import { MeshSizeEstimate } from '../../../src/gossip/mesh-size.js'
import { heartbeatInterval } from '../../../src/gossip/peer-table.js'

/** A fixed key: the counts below are reproducible (a node's own key is random). */
const KEY = new Uint8Array(16).fill(7)
const authors = (n: number, prefix = 'peer'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
const SOURCES = authors(8, 'connection')

/** Each author beats `beats` times, each heartbeat reaching this node through one of the 8 connections in turn (as through gossipsub's mesh). */
function hear (estimate: MeshSizeEstimate, names: string[], now: number, beats = 3): void {
  names.forEach((author, i) => {
    for (let b = 0; b < beats; b++) estimate.observe(author, SOURCES[(i + b * 3) % SOURCES.length] as string, now)
  })
}

describe('MeshSizeEstimate (distinct heartbeat authors, memory bounded whatever the mesh size)', () => {
  it('counts small meshes almost exactly and large ones within 10 %', () => {
    for (const n of [1, 10, 50, 200, 1000, 10_000, 50_000]) {
      const estimate = new MeshSizeEstimate(300_000, KEY)
      hear(estimate, authors(n), 1000)
      const got = estimate.estimate(1000)
      if (n <= 50) expect(Math.abs(got - n), `n=${n}`).toBeLessThanOrEqual(Math.max(1, n * 0.05))
      else expect(Math.abs(got - n) / n, `n=${n}: ${got}`).toBeLessThan(0.1)
    }
  })

  it('counts an author once however often it beats', () => {
    const estimate = new MeshSizeEstimate(300_000, KEY)
    for (let i = 0; i < 10_000; i++) estimate.observe('loud', SOURCES[i % 8] as string, i)
    hear(estimate, authors(9), 10_000)
    expect(estimate.estimate(10_000)).toBe(10)
  })

  it('does not count authors that only one connection brings, however many (the attack of forged authors through one peer)', () => {
    const estimate = new MeshSizeEstimate(300_000, KEY)
    hear(estimate, authors(20), 0)
    for (const forged of authors(5000, 'forged')) estimate.observe(forged, 'attacker', 0)
    expect(Math.abs(estimate.estimate(0) - 20)).toBeLessThanOrEqual(1)
  })

  it('keeps authors heard in the last window, forgets those silent for two', () => {
    const estimate = new MeshSizeEstimate(60_000, KEY)
    hear(estimate, authors(100, 'old'), 0)
    hear(estimate, authors(20, 'new'), 70_000)
    // The old ones beat in the window before the current one: still counted.
    expect(estimate.estimate(70_000)).toBeGreaterThan(100)
    hear(estimate, authors(20, 'new'), 130_000)
    // Two windows on, only the authors that beat since remain: the count of those alone.
    const only = new MeshSizeEstimate(60_000, KEY)
    hear(only, authors(20, 'new'), 0)
    expect(estimate.estimate(130_000)).toBe(only.estimate(0))
    expect(Math.abs(estimate.estimate(130_000) - 20)).toBeLessThanOrEqual(3)
    expect(estimate.estimate(400_000)).toBe(0)
  })

  it('hashes with a key of its own: two nodes count the same authors through different registers', () => {
    const a = new MeshSizeEstimate()
    const b = new MeshSizeEstimate()
    hear(a, authors(64), 0)
    hear(b, authors(64), 0)
    expect(Math.abs(a.estimate(0) - 64)).toBeLessThanOrEqual(7)
    expect(Math.abs(b.estimate(0) - 64)).toBeLessThanOrEqual(7)
    const registers = (e: MeshSizeEstimate): string => [...(e as unknown as { sources: Map<string, { current: Uint8Array }> }).sources.values()].map(s => Buffer.from(s.current).toString('hex')).join()
    expect(registers(a)).not.toBe(registers(b))
  })

  it('widens the interval of a 10,000-node mesh to about 200 s at 50 heartbeats a second', () => {
    const estimate = new MeshSizeEstimate(300_000, KEY)
    hear(estimate, authors(10_000), 0)
    const interval = heartbeatInterval(1000, estimate.estimate(0), 50)
    expect(interval).toBeGreaterThan(180_000)
    expect(interval).toBeLessThan(220_000)
  })
})
