import { describe, expect, it } from 'vitest'
import { splitBatches } from '../../../../src/gossip/wire/batch.js'

const encode = (batch: number[]): Uint8Array => new Uint8Array(batch.reduce((sum, n) => sum + n, 0))

describe('splitBatches', () => {
  it('keeps every batch within the item count and the byte size, in order, losing nothing', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i)
    const kept: number[][] = []
    const out = splitBatches(items, 100, 50, batch => {
      const bytes = encode(batch.map(i => (i % 7) + 1))
      if (bytes.byteLength <= 50 && batch.length <= 100) kept.push(batch)
      return bytes
    })
    expect(out.every(bytes => bytes.byteLength <= 50)).toBe(true)
    expect(kept.flat()).toEqual(items)
  })

  it('refuses an item too large on its own', () => {
    expect(() => splitBatches([10, 60], 10, 50, encode)).toThrow(RangeError)
  })

  it('returns nothing for nothing', () => {
    expect(splitBatches([], 10, 50, encode)).toEqual([])
  })
})
