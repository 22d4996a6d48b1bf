import { LIMITS } from '../gossip/wire/limits.js'
import { encodeLeaseMessage } from '../gossip/wire/codec.js'
import { LeaseMessage, RefusalCode, ResultStatus, type Refusal, type TaskRef } from '../gossip/wire/mesh.js'
import { signResult } from '../gossip/wire/result-signature.js'
import { sha256, toHex } from './spec.js'
import { isStoreWriteError } from './store-errors.js'
import { replicaKey } from './task-runner.js'
import type { ExecResult } from './exec/executor.js'
import type { CommitWindow } from './commit-window.js'
import type { StorageQuota } from './quota.js'
import type { TaskStore } from './store.js'
import type { SendLease } from './worker-sender.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { PrivateKey } from '@libp2p/interface'

/**
 * The worker's results on their way to their owners: signed, kept on disk until the owner
 * acknowledges them (or refuses them), and sent again to each owner that has not, with a
 * backoff per owner.
 */

export interface ResultDeliveryComponents {
  privateKey: PrivateKey
  selfBytes: Uint8Array<ArrayBuffer>
  store: Pick<TaskStore, 'putBlob' | 'putPendingResult' | 'pendingResults' | 'pendingResultOwners' | 'deletePendingResult' | 'transaction'>
  /** Makes room within the quotas for a result (message and output bytes) kept for an owner. */
  quota?: Pick<StorageQuota, 'roomForResult'>
  /** Group commit: results are stored in it (absent: a transaction each). */
  window?: Pick<CommitWindow, 'write' | 'defer' | 'withdraw'>
  /** Results refused for a lease the owner granted count against it. */
  reputation?: Pick<ReputationHook, 'report'>
  send: SendLease
  clock: Clock
  logger: Logger
  /** How often undelivered results are sent again (the first backoff step). */
  deliveryRetryMs?: number
}

/** Owners with undelivered results the worker tries to reach at once, at most. */
const MAX_OWED_OWNERS = 100
const MAX_DELIVERY_BACKOFF_MS = 30_000

export class ResultDelivery {
  private readonly components: ResultDeliveryComponents
  private readonly retryMs: number
  /** Per owner with undelivered results: tries so far, and when the next is due. */
  private readonly deliveries = new Map<string, { tries: number, nextAt: number }>()
  private timer?: unknown
  private started = false

  constructor (components: ResultDeliveryComponents) {
    this.components = components
    this.retryMs = components.deliveryRetryMs ?? 2000
  }

  start (): void {
    if (this.started) return
    this.started = true
    // Ticks often; each owner's own turn comes by its backoff.
    this.timer = this.components.clock.setInterval(() => { this.redeliver() }, Math.min(500, this.retryMs))
    this.redeliver()
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.components.clock.clearInterval(this.timer)
  }

  /** Owners of results kept for them. */
  owed (): string[] {
    return this.components.store.pendingResultOwners(MAX_OWED_OWNERS)
  }

  /** Signs a run's result, keeps it for resending, and sends it to its owner. */
  async report (owner: string, ref: TaskRef, result: ExecResult, startedAt: number): Promise<void> {
    const { privateKey, selfBytes, store, clock, quota, logger } = this.components
    const status = result.outcome === 'succeeded' ? ResultStatus.SUCCEEDED : result.outcome === 'failed' ? ResultStatus.FAILED : ResultStatus.FAILED_PERMANENT
    const outputHash = sha256(result.output)
    const signed = await signResult(privateKey, { task: ref, worker: selfBytes, status, outputHash: outputHash as Uint8Array<ArrayBuffer> })
    // An output over the inline limit stays here, for the owner to fetch by its hash.
    const byHash = result.output.byteLength > LIMITS.inlineOutputBytes
    const message: LeaseMessage = {
      result: {
        signed,
        output: (byHash ? new Uint8Array() : result.output) as Uint8Array<ArrayBuffer>,
        outputSize: result.output.byteLength,
        stderrTail: (result.stderrTail ?? '').slice(-LIMITS.stderrTailChars),
        exitCode: result.exitCode ?? 0,
        startedAt,
        finishedAt: clock.now(),
        error: (result.error ?? '').slice(0, LIMITS.errorChars)
      }
    }
    // Kept on disk for resending: a result survives the owner being away, and this node
    // restarting; within the quotas, which drop older results an owner never acknowledged first.
    // It is sent without waiting for that commit (within LAZY_COMMIT_MS): a crash before it loses
    // only a copy the owner most likely has, and at worst the task runs again. A full disk when
    // the window commits is logged there (the window's failure handler): the result was sent once.
    const encoded = encodeLeaseMessage(message)
    const keep = (): void => {
      quota?.roomForResult(owner, encoded.byteLength + (byHash ? result.output.byteLength : 0))
      if (byHash) store.putBlob(toHex(outputHash), 'output', result.output, clock.now(), owner)
      store.putPendingResult({ taskId: toHex(ref.taskId), replica: ref.replica, epoch: ref.epoch, owner, message: encoded, ...(byHash ? { outputHash: toHex(outputHash) } : {}) }, clock.now())
    }
    const { window } = this.components
    // An inline result waits in the window: if the ack comes before the window commits (it
    // usually does), it is never written, nor deleted. An output kept by hash is written at
    // once: the owner fetches it from the store as soon as it reads the result.
    if (window != null && !byHash) {
      window.defer(deferKey(owner, ref), keep)
    } else {
      try {
        this.write(keep)
      } catch (err) {
        if (!isStoreWriteError(err)) throw err
        // A full disk: the result cannot be kept for resending, but it can still be sent once
        // (an output too large to send inline is lost with the store).
        logger.warn({ task: replicaKey(owner, ref.taskId, ref.replica), err: (err as Error).message }, 'the store cannot write (is the disk full?): the result is sent once, not kept')
      }
    }
    this.components.send(owner, [message])
    // Sent now: the first resend waits a full interval for the ack.
    if (!this.deliveries.has(owner)) this.deliveries.set(owner, { tries: 0, nextAt: clock.now() + this.retryMs })
  }

  /** The owner acknowledged a result: it is kept no longer. */
  acked (owner: string, task: TaskRef): void {
    this.forget(owner, task)
    // It takes results: the rest are sent again at the base interval, not after a long backoff.
    this.deliveries.set(owner, { tries: 0, nextAt: this.components.clock.now() + this.retryMs })
  }

  /** The owner refused a result: it will never take it, so it is not sent again. */
  refused (owner: string, refusal: Refusal & { task: TaskRef }): void {
    const { task } = refusal
    // (The channel has checked that `owner` is the task's owner, and only the owner's word counts.)
    const dropped = this.forget(owner, task)
    // A result refused as stale or closed may be this worker's own lateness (its lease
    // expired; a cancel crossed it). Refused as ineligible or unknown, for a lease it granted,
    // it is the owner's doing.
    if (dropped && (refusal.code === RefusalCode.NOT_ELIGIBLE || refusal.code === RefusalCode.UNKNOWN_TASK)) {
      this.components.reputation?.report(owner, 'result_refused', `result for ${replicaKey(owner, task.taskId, task.replica)} refused: ${refusal.reason}`)
    }
  }

  /** A connection to `peer` opened: results it owes an ack for go out at the next turn. */
  reconnected (peer: string): void {
    this.deliveries.delete(peer)
  }

  /**
   * Sends undelivered results again, to the owners whose turn it is: each owner that has not
   * acknowledged is tried again after a backoff (2 s doubling to 30 s; reset by an ack or a new
   * connection to it), and only a bounded batch of its results is read from the store per turn,
   * so the work follows what is due, not what strangers left lying around.
   */
  private redeliver (): void {
    if (!this.started) return
    const { store, clock } = this.components
    const now = clock.now()
    for (const owner of store.pendingResultOwners(MAX_OWED_OWNERS)) {
      const turn = this.deliveries.get(owner)
      if (turn != null && turn.nextAt > now) continue
      const tries = (turn?.tries ?? 0) + 1
      this.deliveries.set(owner, { tries, nextAt: now + Math.min(MAX_DELIVERY_BACKOFF_MS, this.retryMs * 2 ** (tries - 1)) })
      const messages = store.pendingResults(owner, LIMITS.messagesPerFrame).map(p => LeaseMessage.decode(p.message))
      if (messages.length > 0) this.components.send(owner, messages)
    }
    if (this.deliveries.size > 4 * MAX_OWED_OWNERS) this.deliveries.delete(this.deliveries.keys().next().value as string)
  }

  /**
   * Drops a kept result: withdrawn from the window if not written yet, else deleted in it (the
   * acks of one turn cost one commit, not one each). True if there was one.
   */
  private forget (owner: string, task: TaskRef): boolean {
    if (this.components.window?.withdraw(deferKey(owner, task)) === true) return true
    return this.write(() => this.components.store.deletePendingResult(toHex(task.taskId), task.replica, task.epoch, owner))
  }

  /** A store write in the shared commit window (or a transaction of its own without one). */
  private write<T> (fn: () => T): T {
    // Lazy: nothing waits on a worker's writes (a result is sent before its commit; lost in a
    // crash, it only costs a re-run), so they wait up to LAZY_COMMIT_MS for company.
    return this.components.window != null ? this.components.window.write(fn, undefined, true) : this.components.store.transaction(fn)
  }
}

/** A kept result's key in the commit window: one per owner, task, replica and epoch, as in the store. */
function deferKey (owner: string, ref: TaskRef): string {
  return `result/${owner}/${toHex(ref.taskId)}/${ref.replica}/${ref.epoch}`
}
