import { GOSSIP_RATE_LIMITS } from '../gossip/mesh-protocol.js'
import { LIMITS } from '../gossip/wire/limits.js'
import { isStoreWriteError } from './store-errors.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'

export interface BatchCancellerComponents {
  /** Cancels tasks (TaskOwner.cancelMany): a store write each, and one cancel gossip message per 256 ids. */
  cancel: (ids: string[], reason: string) => unknown
  /** Unfinished tasks of a batch after an index, in index order. */
  unfinished: (key: string, after: number, limit: number) => Array<{ index: number, id: string }>
  clock: Clock
  logger: Logger
}

const TICK_MS = 250

/**
 * Cancels whole batches, a slice per tick. A cancel gossip message carries up to 256 ids, and
 * this node publishes at most GOSSIP_RATE_LIMITS.cancel.rate of them a second (the rate its peers
 * enforce): cancelling 100,000 tasks at once would queue messages that are stale (and punished)
 * by the time they go out. So this goes at that rate, 5,120 tasks a second. Progress is not
 * stored: after a restart, cancel again.
 */
export class BatchCanceller {
  private readonly components: BatchCancellerComponents
  /** Batches being cancelled, each with the index it has reached. */
  private readonly batches = new Map<string, number>()
  private readonly perTick = Math.max(1, Math.floor(GOSSIP_RATE_LIMITS.cancel.rate * TICK_MS / 1000)) * LIMITS.taskIdsPerCancel
  private timer?: unknown
  private started = false

  constructor (components: BatchCancellerComponents) {
    this.components = components
  }

  /** Ticks only while a batch is being cancelled: an idle node's timer wakeups are most of what it costs (docs/SCALING.md). */
  start (): void {
    this.started = true
    this.ensureTicking()
  }

  stop (): void {
    this.started = false
    this.stopTicking()
    this.batches.clear()
  }

  /** Starts cancelling a batch (again: nothing new). */
  cancelBatch (key: string): void {
    if (!this.batches.has(key)) this.batches.set(key, -1)
    this.ensureTicking()
  }

  private ensureTicking (): void {
    if (!this.started || this.timer != null || this.batches.size === 0) return
    this.timer = this.components.clock.setInterval(() => { this.tick() }, TICK_MS)
  }

  private stopTicking (): void {
    if (this.timer == null) return
    this.components.clock.clearInterval(this.timer)
    this.timer = undefined
  }

  /** Whether a batch is being cancelled. */
  cancelling (key: string): boolean {
    return this.batches.has(key)
  }

  private tick (): void {
    const [key, after] = this.batches.entries().next().value ?? []
    if (key == null || after == null) {
      this.stopTicking()
      return
    }
    const { cancel, unfinished, logger } = this.components
    const tasks = unfinished(key, after, this.perTick)
    if (tasks.length > 0) {
      try {
        // Tasks that finished since they were read are skipped.
        cancel(tasks.map(t => t.id), `cancelled with its batch ${key}`)
      } catch (err) {
        // A store that cannot write: the next tick tries again.
        if (isStoreWriteError(err)) return
        logger.warn({ err, key }, 'batch cancel: tasks could not be cancelled')
      }
      this.batches.set(key, (tasks.at(-1) as { index: number }).index)
    }
    if (tasks.length < this.perTick) {
      this.batches.delete(key)
      logger.info({ key }, 'batch cancelled')
    }
  }
}
