import { leaseRefusal, type LifecycleSettings, type Task, type TaskEvent } from './lifecycle.js'
import { toHex } from './spec.js'
import type { Blobs } from './blobs.js'
import type { Clock } from '../clock.js'
import type { TaskRef } from '../gossip/wire/mesh.js'
import type { Logger } from '../logger.js'

/**
 * Large outputs, fetched by the owner from the worker that reports them: by their signed hash,
 * with the lease kept alive while the transfer runs, and the attempt failed after
 * MAX_FETCH_FAILURES failed transfers.
 */

export type ResultEvent = TaskEvent & { type: 'resultReceived' }

export interface OutputFetchComponents {
  /** The unfinished task in memory with this id, if any. */
  resident: (id: string) => Task | undefined
  /** Runs a transition of the task (the owner's renewals of the lease). */
  apply: (task: Task, event: TaskEvent) => void
  /** Takes a worker's message about a task, as if it had come with the output inline. */
  deliver: (ref: TaskRef, from: string, event: TaskEvent, output?: Uint8Array) => void
  /** Whether the owner still runs (a fetch that ends after it stopped changes nothing). */
  running: () => boolean
  blobs: Pick<Blobs, 'get'>
  /** Its lease TTL paces the owner's renewals while a transfer runs. */
  lifecycle: Pick<LifecycleSettings, 'leaseTtlMs'>
  clock: Clock
  logger: Logger
}

/** Failed transfers of a large output before its attempt counts as failed. */
const MAX_FETCH_FAILURES = 3

export class OutputFetch {
  private readonly components: OutputFetchComponents
  /** Large outputs being fetched, and failed fetches so far, by task/replica/epoch. */
  private readonly fetching = new Set<string>()
  private readonly failures = new Map<string, number>()

  constructor (components: OutputFetchComponents) {
    this.components = components
  }

  /**
   * A succeeded result whose output is over the inline limit: fetch it from the worker by its
   * signed hash, then take the result as if the output had come inline. Only a result this owner
   * would accept is worth the transfer; anything else goes the usual way (refused, or acked again
   * if it is a repeat). The owner keeps the lease alive itself while its transfer runs (the
   * worker has stopped renewing); resends do not extend it. After MAX_FETCH_FAILURES failed
   * transfers the attempt counts as failed, so a worker that cannot hand over its output cannot
   * hold the lease either.
   */
  fetch (ref: TaskRef, from: string, event: ResultEvent, size: number): void {
    const { resident, apply, deliver, running, blobs, lifecycle, clock, logger } = this.components
    const task = resident(toHex(ref.taskId))
    if (task == null || leaseRefusal(task, task.replicas[ref.replica], from, ref.epoch) != null) {
      deliver(ref, from, event)
      return
    }
    const key = `${task.id}/${ref.replica}/${ref.epoch}`
    if (this.fetching.has(key)) return
    this.fetching.add(key)
    const keepAlive = (): void => {
      const current = resident(task.id)
      if (current != null && leaseRefusal(current, current.replicas[ref.replica], from, ref.epoch) == null) {
        apply(current, { type: 'renewed', worker: from, replica: ref.replica, epoch: ref.epoch, progress: 100, byOwner: true })
      }
    }
    keepAlive()
    const timer = clock.setInterval(keepAlive, Math.max(50, Math.floor(lifecycle.leaseTtlMs / 2)))
    blobs.get(from, event.outputHash, size, false).then(output => {
      this.failures.delete(key)
      if (running()) deliver(ref, from, event, output)
    }, err => {
      const failures = (this.failures.get(key) ?? 0) + 1
      const message = (err as Error).message
      logger.warn({ task: task.id, worker: from, failures, err: message }, 'could not fetch a large output')
      if (failures < MAX_FETCH_FAILURES) {
        // The worker sends its result again until acknowledged; the next one tries again.
        this.failures.set(key, failures)
        return
      }
      this.failures.delete(key)
      if (running()) {
        deliver(ref, from, { ...event, outcome: 'failed', error: `the owner could not fetch the ${size}-byte output (${failures} tries): ${message}` })
      }
    }).finally(() => {
      clock.clearInterval(timer)
      this.fetching.delete(key)
    })
  }
}
