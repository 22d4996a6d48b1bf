import { describe, expect, it } from 'vitest'
import { ReplayCache } from '../../../src/gossip/replay-cache.js'

describe('ReplayCache', () => {
  it('refuses an id seen within its ttl and forgets it after', () => {
    const cache = new ReplayCache(1000)
    expect(cache.add('x', 0)).toBe(true)
    expect(cache.add('x', 999)).toBe(false)
    expect(cache.add('x', 1000)).toBe(true)
  })

  it('holds at most maxEntries ids', () => {
    const cache = new ReplayCache(1_000_000, 3)
    for (const id of ['a', 'b', 'c', 'd']) cache.add(id, 0)
    expect(cache.size).toBe(3)
    expect(cache.add('a', 1)).toBe(true)
  })
})
