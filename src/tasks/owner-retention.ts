import type { Task } from './lifecycle.js'
import type { TaskStore } from './store.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'

/**
 * What an owner keeps past its use: finished tasks past retention, results that were never
 * delivered, and blobs nothing needs any more (the task blobs, replica outputs, worker outputs
 * and cached copies of the unfinished tasks are kept).
 */

export interface OwnerRetentionComponents {
  store: Pick<TaskStore, 'prune' | 'prunePendingResults' | 'pendingBlobRefs' | 'undeliveredOutputs' | 'pruneBlobs'>
  /** The unfinished tasks in memory. */
  resident: () => Iterable<Task>
  /** Pending tasks parked in the store only (their blobs are read from it when there are any). */
  parked: () => number
  clock: Clock
  logger: Logger
  retentionMs: number
}

export interface OwnerRetention {
  /** Everything past retention (hourly). */
  prune: () => void
  /** Replica outputs kept to compare, once no unfinished task needs them (every minute). */
  pruneResults: () => void
}

export function createOwnerRetention ({ store, resident, parked, clock, logger, retentionMs }: OwnerRetentionComponents): OwnerRetention {
  return {
    // The accepted output is stored with its task.
    pruneResults: () => {
      const needed = new Set<string>()
      for (const task of resident()) for (const r of task.replicas) if (r.outputHash != null) needed.add(r.outputHash)
      store.pruneBlobs('result', clock.now() + 1, needed)
    },
    prune: () => {
      const now = clock.now()
      const removed = store.prune(now - retentionMs)
      const stale = store.prunePendingResults(now - retentionMs)
      // Blobs: an owner's task blobs past retention unless an unfinished task needs them; a worker's
      // outputs once no undelivered result names them (and an hour has passed); cached copies
      // unused for an hour.
      const needed = new Set<string>(parked() > 0 ? store.pendingBlobRefs() : [])
      for (const task of resident()) {
        if (task.spec.inputRef != null) needed.add(task.spec.inputRef.hash)
        if (task.spec.module != null) needed.add(task.spec.module.hash)
        for (const r of task.replicas) if (r.outputHash != null) needed.add(r.outputHash)
      }
      const undelivered = store.undeliveredOutputs()
      const blobs = store.pruneBlobs('task', now - retentionMs, needed) + store.pruneBlobs('output', now - 3_600_000, undelivered) +
        store.pruneBlobs('cache', now - 3_600_000) + store.pruneBlobs('result', now - 3_600_000, needed)
      if (removed + stale + blobs > 0) logger.info({ tasks: removed, undeliveredResults: stale, blobs }, 'pruned past retention')
    }
  }
}
