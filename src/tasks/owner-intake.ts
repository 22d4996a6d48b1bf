import { MeshError } from '../errors.js'
import { sha256, toHex } from './spec.js'
import { buildTasks, inputByHash, parseSubmission } from './submission.js'
import { batchBlobs, buildBatchTasks, sameBatch, type BatchSubmission } from './batch-submission.js'
import { rethrowStoreError } from './store-errors.js'
import type { CommitWindow } from './commit-window.js'
import type { Task } from './lifecycle.js'
import type { TaskStore } from './store.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'

/**
 * The owner's intake: a submit (or a batch) is checked, its tasks and blobs are stored in one
 * transaction and on the device before the caller hears "accepted"; a known idempotency key
 * returns the tasks it made (and a different submission under it is a conflict).
 */

export interface OwnerIntakeComponents {
  /** This node's peer id, as bytes and as a string: the tasks' owner. */
  selfBytes: Uint8Array<ArrayBuffer>
  self: string
  store: Pick<TaskStore, 'idsForKey' | 'batches' | 'putBlob' | 'transaction' | 'insert' | 'durable'>
  /** Group commit: its open writes go first, so the caller's answer follows its own commit. */
  window: Pick<CommitWindow, 'flush'>
  /** A task the owner knows, unfinished or stored. */
  get: (id: string) => Task | undefined
  /** Whether outputs of a kind are compared (decided once, at submit). */
  comparable: (kind: string) => boolean
  /** Takes up a stored task: into memory, or parked in the store. */
  take: (task: Task) => void
  /** New tasks were taken up: grant them to standing requests and announce them. */
  opened: (tasks: Task[]) => void
  /** The open commit window could not commit. */
  commitFailed: (err: unknown) => void
  clock: Clock
  logger: Logger
}

export class OwnerIntake {
  private readonly components: OwnerIntakeComponents

  constructor (components: OwnerIntakeComponents) {
    this.components = components
  }

  /** Validates, stores, then announces. Returns the ids (the existing ones for a known idempotency key). */
  async submit (request: unknown): Promise<string[]> {
    const { store, get, clock, logger, selfBytes, self } = this.components
    const submission = parseSubmission(request)
    const { key, count, kind, input } = submission
    if (key != null) {
      const existing = store.idsForKey(key)
      if (existing.length > 0) {
        // The same key for different work is a mistake, not a retry.
        const first = get(existing[0] as string)
        if (existing.length !== count || first == null || first.spec.kind !== kind || (first.spec.inputRef?.hash ?? toHex(sha256(first.spec.input))) !== toHex(submission.inputHash)) {
          throw new MeshError('CONFLICT', `key ${key} was used for a different submission (${existing.length} ${first?.spec.kind ?? ''} task(s) with another input)`)
        }
        await this.durable()
        return existing
      }
    }
    const now = clock.now()
    // Decided once, now: later gossip (a peer advertising the kind as not deterministic) cannot
    // switch verification off for these tasks.
    const compare = this.components.comparable(kind)
    const tasks = buildTasks(submission, selfBytes, self, now).map(t => ({ ...t, spec: { ...t.spec, compare } }))
    // On disk before anyone hears of them: the tasks, and the blobs workers will fetch.
    this.accept(tasks, () => {
      if (inputByHash(submission)) store.putBlob(toHex(submission.inputHash), 'task', input, now)
      if (submission.module != null && submission.moduleHash != null) store.putBlob(toHex(submission.moduleHash), 'task', submission.module, now)
    })
    logger.info({ count: tasks.length, kind }, 'tasks submitted')
    this.components.opened(tasks)
    await this.durable()
    return tasks.map(t => t.id)
  }

  /** A batch of distinct inputs (batch-submission.ts), as submit: stored in one transaction, then announced together. */
  async submitMany (batch: BatchSubmission): Promise<string[]> {
    const { store, clock, logger, selfBytes, self } = this.components
    const existing = sameBatch(batch, store.batches.inputs(batch.key))
    if (existing != null) {
      await this.durable()
      return existing
    }
    const now = clock.now()
    const tasks = buildBatchTasks(batch, selfBytes, self, now, this.components.comparable(batch.base.kind))
    this.accept(tasks, () => { for (const blob of batchBlobs(batch)) store.putBlob(blob.hash, 'task', blob.bytes, now) })
    logger.info({ count: tasks.length, kind: batch.base.kind, key: batch.key }, 'batch submitted')
    this.components.opened(tasks)
    await this.durable()
    return tasks.map(t => t.id)
  }

  /** Waits until the accepted tasks are on the device (a flush on the thread pool, shared with other commits): then the caller may say "accepted". */
  private async durable (): Promise<void> {
    try {
      await this.components.store.durable()
    } catch (err) {
      rethrowStoreError(err)
    }
  }

  /**
   * Stores new tasks (and their blobs, written by `blobs`) in one transaction of their own, then
   * takes them up. Writes of the open commit window go first, so the caller's answer follows its
   * own commit. Nothing stored, nothing taken up: the caller hears why (507 on the API).
   */
  private accept (tasks: Task[], blobs: () => void): void {
    const { store, window } = this.components
    try {
      window.flush()
    } catch (err) {
      this.components.commitFailed(err)
    }
    try {
      store.transaction(() => {
        blobs()
        store.insert(tasks)
      })
    } catch (err) {
      rethrowStoreError(err)
    }
    for (const task of tasks) this.components.take(task)
  }
}
