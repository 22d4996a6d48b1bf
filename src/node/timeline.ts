import type { Clock } from '../clock.js'

/**
 * The node's last hour, a sample a second, for the dashboard's charts (issue 15): they have
 * history the moment a page opens, and a page that stays open adds each new sample from the event
 * stream (GET /v1/events). Memory is bounded: 3600 samples of a few numbers, and at most
 * LATENCY_SAMPLES task latencies held for the second under way.
 */

export interface TimelineSample {
  /** The second's end (ms since the epoch). */
  t: number
  /** Tasks this node owns that finished in that second, by outcome. */
  succeeded: number
  failed: number
  cancelled: number
  /** Submission to finish of the tasks that succeeded in that second: p50 and p99 in ms, null when none did. */
  latencyP50: number | null
  latencyP99: number | null
  /** Peers alive in the heartbeat table, connected ones. */
  peersAlive: number
  /** The mean reputation score of the peers this node has a record of (-100..100), null without any. */
  meanScore: number | null
  /** The lowest of those scores (a peer being penalized shows here first), null without any. */
  minScore: number | null
  /** Tasks running on this node's worker. */
  running: number
}

/** What the sampler reads of the node each second. */
export interface TimelineSources {
  peersAlive: () => number
  /** The reputation scores of the peers this node has a record of. */
  scores: () => readonly number[]
  running: () => number
}

export const TIMELINE_SECONDS = 3600
/** Latencies kept for one second at most (a reservoir beyond: the percentiles stay fair). */
const LATENCY_SAMPLES = 4096

export class Timeline {
  private readonly samples: TimelineSample[] = []
  private finished = { succeeded: 0, failed: 0, cancelled: 0 }
  private latencies: number[] = []
  private seen = 0
  private timer?: unknown
  private readonly listeners = new Set<(sample: TimelineSample) => void>()

  constructor (private readonly clock: Clock, private readonly sources: TimelineSources, private readonly random: () => number = Math.random) {}

  start (): void {
    this.timer ??= this.clock.setInterval(() => { this.sample() }, 1000)
  }

  stop (): void {
    if (this.timer != null) this.clock.clearInterval(this.timer)
    this.timer = undefined
  }

  /** A task this node owns finished: its outcome, and how long it took from its submission. */
  finishedTask (state: string, createdAt: number, at: number): void {
    if (state !== 'succeeded' && state !== 'failed' && state !== 'cancelled') return
    this.finished[state]++
    if (state !== 'succeeded') return
    const latency = Math.max(0, at - createdAt)
    this.seen++
    if (this.latencies.length < LATENCY_SAMPLES) this.latencies.push(latency)
    else {
      const slot = Math.floor(this.random() * this.seen)
      if (slot < LATENCY_SAMPLES) this.latencies[slot] = latency
    }
  }

  /** Closes the second under way (the timer calls it each second). */
  sample (): TimelineSample {
    const sorted = this.latencies.sort((a, b) => a - b)
    const at = (q: number): number | null => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
    const scores = this.sources.scores()
    const sample: TimelineSample = {
      t: this.clock.now(),
      ...this.finished,
      latencyP50: at(0.5),
      latencyP99: at(0.99),
      peersAlive: this.sources.peersAlive(),
      meanScore: scores.length === 0 ? null : Math.round(scores.reduce((sum, score) => sum + score, 0) / scores.length * 10) / 10,
      minScore: scores.length === 0 ? null : scores.reduce((low, score) => Math.min(low, score)),
      running: this.sources.running()
    }
    this.samples.push(sample)
    if (this.samples.length > TIMELINE_SECONDS) this.samples.splice(0, this.samples.length - TIMELINE_SECONDS)
    this.finished = { succeeded: 0, failed: 0, cancelled: 0 }
    this.latencies = []
    this.seen = 0
    for (const listener of this.listeners) listener(sample)
    return sample
  }

  /** The samples of the last hour, oldest first. */
  history (): TimelineSample[] {
    return [...this.samples]
  }

  /** Calls `listener` with each new sample; the returned function stops it. */
  subscribe (listener: (sample: TimelineSample) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}
