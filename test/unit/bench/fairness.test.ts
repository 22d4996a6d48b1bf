import { describe, expect, it } from 'vitest'
import { jain } from '../../../src/bench/fairness.js'

describe('jain', () => {
  it.each([
    { shares: [100, 100, 100, 100], index: 1 },
    { shares: [400, 0, 0, 0], index: 0.25 },
    { shares: [2, 1], index: 0.9 },
    { shares: [0, 0], index: null },
    { shares: [], index: null }
  ])('$shares → $index', ({ shares, index }) => {
    const value = jain(shares)
    if (index == null) expect(value).toBeNull()
    else expect(value).toBeCloseTo(index, 10)
  })
})
