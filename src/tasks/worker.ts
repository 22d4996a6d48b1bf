import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { ClaimScheduler } from './claim-scheduler.js'
import { ResultDelivery, type ResultDeliveryComponents } from './result-delivery.js'
import { TaskRunner } from './task-runner.js'
import { BeyondLimits, workerCapacity } from './worker-capacity.js'
import { createWorkerSender, type SendLease } from './worker-sender.js'
import type { Blobs } from './blobs.js'
import type { CommitWindow } from './commit-window.js'
import type { Executor, ExecResult } from './exec/executor.js'
import type { StorageQuota } from './quota.js'
import type { LeaseRouter } from './lease-router.js'
import type { Clock } from '../clock.js'
import type { MeshProtocol } from '../gossip/mesh-protocol.js'
import type { LeaseBody } from '../gossip/wire/codec.js'
import type { Grant, TaskOffer, TaskRef, WorkSummary } from '../gossip/wire/mesh.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The worker side: hears task announcements, decides what to claim (claim-scheduler.ts), runs
 * what it is granted and renews its leases (task-runner.ts), and reports signed results, keeping
 * each one on disk until its owner acknowledges it (result-delivery.ts). This class wires them
 * together and routes the lease messages owners send to the part they concern.
 */

/**
 * Changes to how a worker runs tasks and reports them, for tests and simulations only (the
 * simulation's liars and slow workers: src/sim/worker-faults.ts); a product node has none.
 */
export interface WorkerHooks {
  /** Wraps the executor the worker runs tasks with (its capabilities are asked of the one it was given). */
  executor?: (executor: Executor, clock: Clock) => Executor
  /** A run's result, within the output limits, before it is signed and reported. */
  result?: (result: ExecResult) => ExecResult
}

export interface TaskWorkerInit {
  selfId: PeerId
  privateKey: PrivateKey
  protocol: Pick<MeshProtocol, 'on' | 'peerTable'>
  router: Pick<LeaseRouter, 'on' | 'send'>
  executor: Executor
  /** Keeps results until their owners acknowledge them. */
  store: ResultDeliveryComponents['store']
  slots: number
  /** Memory the running tasks may reserve in all (each task reserves what its offer states). */
  memoryBytes?: number
  /** Fetches large inputs and modules from owners, and keeps large outputs for them. */
  blobs?: Pick<Blobs, 'get'>
  /** Makes room within the quotas for a result (message and output bytes) kept for an owner. */
  quota?: Pick<StorageQuota, 'roomForResult'>
  /** Further checks of an offer this node's executor can run (e.g. the wasm memory cap). */
  admits?: (offer: TaskOffer) => boolean
  /** Judges owners too: claims left unanswered and results refused count against them. */
  reputation?: ReputationHook
  /** Group commit shared with the node's owner: results are stored in it and sent after it commits (absent: sent at once). */
  window?: CommitWindow
  /** Tests and simulations only: see WorkerHooks. */
  hooks?: WorkerHooks
  /** Tasks claimed or run at once from an owner it has no grants from yet (the slow-start window; default 1). */
  initialWindow?: number
  clock: Clock
  logger: Logger
  /** Delay per rank step before a worker claims (rank 0 claims at once). */
  staggerMs?: number
  /** A claim not answered within this is given up, and the task may be claimed again. */
  claimTimeoutMs?: number
  /** How often undelivered results are sent again. */
  deliveryRetryMs?: number
}

export class TaskWorker {
  private readonly init: TaskWorkerInit
  private readonly scheduler: ClaimScheduler
  private readonly runner: TaskRunner
  private readonly delivery: ResultDelivery
  private readonly offs: Array<() => void> = []
  private started = false
  private draining = false

  constructor (init: TaskWorkerInit) {
    this.init = init
    const { clock, logger, executor, store, hooks, reputation, window, quota, blobs, claimTimeoutMs, deliveryRetryMs } = init
    const selfBytes = peerIdToBytes(init.selfId)
    // A pull that never left (no connection) was not ignored: nothing stands there, nothing is held against the owner.
    const send: SendLease = createWorkerSender({ router: init.router, window, clock, logger, unreachable: peer => { this.scheduler.peerGone(peer) }, stopping: () => !this.started || this.draining })
    const capacity = workerCapacity({ executor, slots: init.slots, memoryBytes: init.memoryBytes, admits: init.admits })
    const beyondLimits = new BeyondLimits()
    this.delivery = new ResultDelivery({ privateKey: init.privateKey, selfBytes, store, quota, window, reputation, send, clock, logger, deliveryRetryMs })
    const amend = hooks?.result
    this.runner = new TaskRunner({
      executor: hooks?.executor?.(executor, clock) ?? executor,
      capacity,
      beyondLimits,
      blobs,
      send,
      router: init.router,
      selfBytes,
      clock,
      logger,
      finished: async (owner, ref, result, startedAt) => {
        await this.delivery.report(owner, ref, amend != null ? amend(result) : result, startedAt)
        this.scheduler.tick()
      }
    })
    this.scheduler = new ClaimScheduler({ capacity, beyondLimits, runs: this.runner, executor, peers: init.protocol.peerTable, reputation, send, selfBytes, clock, logger, claimTimeoutMs })
  }

  start (): void {
    if (this.started) return
    this.started = true
    this.runner.start()
    const { protocol, router } = this.init
    this.offs.push(protocol.on('announce', (message, from) => { this.heard(from, message.summary, message.tasks) }))
    this.offs.push(protocol.on('cancel', (message, from) => { for (const id of message.taskIds) this.runner.stopTask(from, id, 'cancelled') }))
    this.offs.push(router.on((body, from) => { this.onLease(body, from) }))
    this.scheduler.start()
    this.delivery.start()
  }

  /**
   * Drains, then stops: asks for nothing more (and withdraws what it asked), gives back grants
   * that arrive meanwhile, lets running tasks finish for up to `drainMs` (renewing their leases),
   * then stops the rest and releases their leases, so their owners re-grant them at once instead
   * of waiting for expiry. Waits for those releases, and for the stopped tasks to end (processes
   * killed), up to `releaseBoundMs`.
   */
  async stop (drainMs = 0, releaseBoundMs = 2000): Promise<void> {
    if (!this.started || this.draining) return
    this.draining = true
    this.scheduler.stop()
    await this.runner.drain(drainMs, releaseBoundMs)
    this.started = false
    this.draining = false
    for (const off of this.offs.splice(0)) off()
    this.delivery.stop()
  }

  /** Owners of leases this worker holds or of results it keeps for them: peers its work needs to reach. */
  ownersOwed (): string[] {
    return [...new Set([...this.delivery.owed(), ...this.runner.owners()])]
  }

  /** Cuts a drain short (a second signal): running tasks are stopped and released at once. */
  endDrain (): void {
    this.runner.endDrain()
  }

  /** Slots not running and not promised to a standing request. */
  freeSlots (): number {
    return this.scheduler.freeSlots()
  }

  /** Memory of the budget not reserved by running tasks. */
  freeMemory (): number {
    return this.runner.freeMemory()
  }

  runningCount (): number {
    return this.runner.count()
  }

  /** Tasks asked for (every pull's count), for the claims-per-task figure. */
  get claimsSent (): number {
    return this.scheduler.claimsSent
  }

  /**
   * An owner's announcement (gossip, or this node's own owner directly): which kinds it has open
   * work of, counted in its summary, and some tasks in full. Kinds this worker runs are noted,
   * and it pulls from the owner at its next turn.
   */
  heard (owner: string, summary: WorkSummary[], offers: TaskOffer[]): void {
    this.scheduler.heard(owner, summary, offers)
  }

  /** The connection to a peer closed: an owner there holds no request of ours any more. */
  peerGone (peer: string): void {
    this.scheduler.peerGone(peer)
  }

  /** A connection to `peer` opened: results it owes an ack for go out at the next turn, and a proven owner is asked again at once. */
  peerConnected (peer: string): void {
    this.delivery.reconnected(peer)
    this.scheduler.reconnected(peer)
  }

  private onLease (body: LeaseBody, from: string): void {
    switch (body.type) {
      case 'grant': this.onGrant(body.grant, from); break
      case 'credit': this.scheduler.credited(from, body.credit); break
      case 'refusal':
        this.scheduler.answered(from)
        this.runner.refused(from, body.refusal.task)
        this.delivery.refused(from, body.refusal)
        break
      case 'cancel': this.runner.stopTask(from, body.cancel.task.taskId, 'cancelled', body.cancel.task.replica); break
      case 'ack': this.delivery.acked(from, body.ack.task); break
      default: break
    }
  }

  private onGrant (grant: Grant, owner: string): void {
    if (!this.started) return
    const task = grant.task as TaskRef
    if (grant.offer == null) {
      this.runner.renewed(owner, task, grant.ttlMs)
      return
    }
    this.scheduler.answered(owner)
    // A kind it does not run was never in its requests (they name the kinds it runs).
    if (this.runner.holds(owner, task) || this.draining || !this.init.executor.canRun(grant.offer.kind) || !this.scheduler.takeGrant(owner)) {
      // Not something this worker asked for (or asked for again): give it back at once.
      this.runner.release(owner, task, 'not claimed by this worker')
      return
    }
    this.runner.accept(owner, task, grant.offer, grant.ttlMs)
  }
}
