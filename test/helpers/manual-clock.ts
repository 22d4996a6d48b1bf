import type { Clock } from '../../src/clock.js'

interface Timer { at: number, fn: () => void, every?: number }

/** A clock that moves only when a test says so (Lodestar's ClockStopped). */
export class ManualClock implements Clock {
  private time: number
  private nextId = 1
  private readonly timers = new Map<number, Timer>()

  constructor (start = 1_700_000_000_000) {
    this.time = start
  }

  now (): number { return this.time }

  setTimeout (fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { at: this.time + ms, fn })
    return id
  }

  clearTimeout (handle: unknown): void { this.timers.delete(handle as number) }

  setInterval (fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { at: this.time + ms, fn, every: ms })
    return id
  }

  clearInterval (handle: unknown): void { this.timers.delete(handle as number) }

  /** Moves time forward, firing due timers in order and letting their promises settle. */
  async advance (ms: number): Promise<void> {
    const end = this.time + ms
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (due == null) break
      const [id, timer] = due
      this.time = timer.at
      if (timer.every != null) timer.at += timer.every
      else this.timers.delete(id)
      timer.fn()
      for (let i = 0; i < 10; i++) await Promise.resolve()
    }
    this.time = end
  }
}
