import { describe, expect, it } from 'vitest'
import { MeshError } from '../../../src/errors.js'
import { silentLogger } from '../../../src/logger.js'
import { BatchCanceller } from '../../../src/tasks/batch-cancel.js'
import { ManualClock } from '../../helpers/manual-clock.js'

/** A batch of `n` unfinished tasks `t<i>`; `cancel` finishes one, `finished` (by another path) makes cancel refuse it. */
function setup (n: number, fail: (id: string) => Error | undefined = () => undefined): { canceller: BatchCanceller, clock: ManualClock, cancelled: string[], open: Set<number> } {
  const clock = new ManualClock()
  const open = new Set(Array.from({ length: n }, (_, i) => i))
  const cancelled: string[] = []
  const canceller = new BatchCanceller({
    cancel: id => {
      const err = fail(id)
      if (err != null) throw err
      cancelled.push(id)
      open.delete(Number(id.slice(1)))
    },
    unfinished: (key, after, limit) => key !== 'k' ? [] : [...open].filter(i => i > after).sort((a, b) => a - b).slice(0, limit).map(index => ({ index, id: `t${index}` })),
    clock,
    logger: silentLogger()
  })
  return { canceller, clock, cancelled, open }
}

describe('BatchCanceller', () => {
  it('cancels a batch in index order at the cancel gossip rate (20 a second), then forgets it', async () => {
    const { canceller, clock, cancelled } = setup(50)
    canceller.start()
    canceller.cancelBatch('k')
    canceller.cancelBatch('k')
    expect(canceller.cancelling('k')).toBe(true)
    await clock.advance(1000)
    expect(cancelled).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`))
    await clock.advance(2000)
    expect(cancelled).toHaveLength(50)
    expect(canceller.cancelling('k')).toBe(false)
    canceller.stop()
  })

  it('skips a task that finished meanwhile, and tries again next tick when the store cannot write', async () => {
    let full = true
    const { canceller, clock, cancelled, open } = setup(3, id => {
      if (id === 't0') return new MeshError('CONFLICT', 'finished')
      if (id === 't1' && full) return Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' })
      return undefined
    })
    canceller.start()
    canceller.cancelBatch('k')
    await clock.advance(250)
    expect(cancelled).toEqual([])
    full = false
    open.delete(0)
    await clock.advance(250)
    expect(cancelled).toEqual(['t1', 't2'])
    await clock.advance(250)
    expect(canceller.cancelling('k')).toBe(false)
    canceller.stop()
  })

  it('stop drops what is left', async () => {
    const { canceller, clock, cancelled } = setup(100)
    canceller.start()
    canceller.cancelBatch('k')
    await clock.advance(250)
    canceller.stop()
    await clock.advance(5000)
    expect(cancelled).toHaveLength(5)
    expect(canceller.cancelling('k')).toBe(false)
  })
})
