import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../../../src/gossip/rate-limit.js'

describe('RateLimiter (token bucket per key)', () => {
  it('allows a burst, then the sustained rate, per key', () => {
    const limiter = new RateLimiter({ rate: 2, burst: 3 })
    const t0 = 1000
    expect([1, 2, 3, 4].map(() => limiter.take('a', t0))).toEqual([true, true, true, false])
    expect(limiter.take('b', t0)).toBe(true)
    expect(limiter.take('a', t0 + 499)).toBe(false)
    expect(limiter.take('a', t0 + 500)).toBe(true)
    expect(limiter.take('a', t0 + 10_000, 3)).toBe(true)
    expect(limiter.take('a', t0 + 10_000)).toBe(false)
  })

  it('charges a cost and keeps its memory bounded', () => {
    const limiter = new RateLimiter({ rate: 1, burst: 5 }, 10)
    expect(limiter.take('a', 0, 6)).toBe(false)
    for (let i = 0; i < 100; i++) limiter.take(`peer${i}`, i)
    expect(limiter.size).toBeLessThanOrEqual(10)
  })
})
