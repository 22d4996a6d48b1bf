import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/logger.js'
import { BatchCanceller } from '../../../src/tasks/batch-cancel.js'
import { ManualClock } from '../../helpers/manual-clock.js'

/** A batch of `n` unfinished tasks `t<i>`; `cancel` finishes those it gets (failing as `fail` says), recording each call. */
function setup (n: number, fail: (ids: string[]) => Error | undefined = () => undefined): { canceller: BatchCanceller, clock: ManualClock, calls: string[][], cancelled: () => string[], open: Set<number> } {
  const clock = new ManualClock()
  const open = new Set(Array.from({ length: n }, (_, i) => i))
  const calls: string[][] = []
  const canceller = new BatchCanceller({
    cancel: ids => {
      const err = fail(ids)
      if (err != null) throw err
      calls.push(ids)
      for (const id of ids) open.delete(Number(id.slice(1)))
    },
    unfinished: (key, after, limit) => key !== 'k' ? [] : [...open].filter(i => i > after).sort((a, b) => a - b).slice(0, limit).map(index => ({ index, id: `t${index}` })),
    clock,
    logger: silentLogger()
  })
  return { canceller, clock, calls, cancelled: () => calls.flat(), open }
}

describe('BatchCanceller', () => {
  it('cancels a batch in index order, 1,280 tasks a tick (5 gossip messages of 256 ids: the cancel rate, 20 a second), then forgets it', async () => {
    const { canceller, clock, calls, cancelled } = setup(3000)
    canceller.start()
    canceller.cancelBatch('k')
    canceller.cancelBatch('k')
    expect(canceller.cancelling('k')).toBe(true)
    await clock.advance(250)
    expect(calls).toHaveLength(1)
    expect(cancelled()).toEqual(Array.from({ length: 1280 }, (_, i) => `t${i}`))
    await clock.advance(500)
    expect(cancelled()).toHaveLength(3000)
    expect(canceller.cancelling('k')).toBe(false)
    canceller.stop()
  })

  it('tries the same slice again next tick when the store cannot write', async () => {
    let full = true
    const { canceller, clock, cancelled } = setup(3, () => full ? Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' }) : undefined)
    canceller.start()
    canceller.cancelBatch('k')
    await clock.advance(250)
    expect(cancelled()).toEqual([])
    full = false
    await clock.advance(250)
    expect(cancelled()).toEqual(['t0', 't1', 't2'])
    await clock.advance(250)
    expect(canceller.cancelling('k')).toBe(false)
    canceller.stop()
  })

  it('stop drops what is left', async () => {
    const { canceller, clock, cancelled } = setup(5000)
    canceller.start()
    canceller.cancelBatch('k')
    await clock.advance(250)
    canceller.stop()
    await clock.advance(5000)
    expect(cancelled()).toHaveLength(1280)
    expect(canceller.cancelling('k')).toBe(false)
  })
})
