import { describe, expect, it } from 'vitest'
import { TIMELINE_SECONDS, Timeline } from '../../../src/node/timeline.js'
import { ManualClock } from '../../helpers/manual-clock.js'

describe('Timeline', () => {
  const sources = { peersAlive: () => 3, scores: () => [20, 5], running: () => 1 }

  it('samples each second: tasks finished by outcome, the latency of those that succeeded, and what the node reads', async () => {
    const clock = new ManualClock()
    const start = clock.now()
    const timeline = new Timeline(clock, sources)
    const seen: number[] = []
    timeline.subscribe(sample => { seen.push(sample.succeeded) })
    timeline.start()
    for (let i = 1; i <= 100; i++) timeline.finishedTask('succeeded', 0, i)
    timeline.finishedTask('failed', 0, 5)
    timeline.finishedTask('cancelled', 0, 5)
    timeline.finishedTask('pending', 0, 5)
    await clock.advance(1000)
    expect(timeline.history()).toEqual([{ t: start + 1000, succeeded: 100, failed: 1, cancelled: 1, latencyP50: 51, latencyP99: 100, peersAlive: 3, meanScore: 12.5, minScore: 5, running: 1 }])
    await clock.advance(1000)
    expect(timeline.history()[1]).toMatchObject({ t: start + 2000, succeeded: 0, latencyP50: null, latencyP99: null })
    expect(seen).toEqual([100, 0])
    timeline.stop()
    await clock.advance(5000)
    expect(timeline.history()).toHaveLength(2)
  })

  it('keeps the last hour only, and a bounded sample of one second\'s latencies', () => {
    const clock = new ManualClock()
    const timeline = new Timeline(clock, sources, () => 0.5)
    for (let i = 0; i < 100_000; i++) timeline.finishedTask('succeeded', 0, 10)
    expect(timeline.sample()).toMatchObject({ succeeded: 100_000, latencyP50: 10 })
    for (let i = 0; i < TIMELINE_SECONDS + 10; i++) timeline.sample()
    expect(timeline.history()).toHaveLength(TIMELINE_SECONDS)
  })

  it('has no scores to show before the node has a record of any peer', () => {
    const timeline = new Timeline(new ManualClock(), { ...sources, scores: () => [] })
    expect(timeline.sample()).toMatchObject({ meanScore: null, minScore: null })
  })
})
