import { LIMITS } from '../gossip/wire/limits.js'
import { RefusalCode, type LeaseMessage, type Pull, type Result, type TaskRef } from '../gossip/wire/mesh.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { MeshError } from '../errors.js'
import { TERMINAL, nextDue, openReplicas, transition, type LifecycleSettings, type Task, type TaskEvent, type TaskState } from './lifecycle.js'
import { fromHex, sha256, toHex, type SubmitRequest } from './spec.js'
import { viewOf, type TaskView } from './view.js'
import { ReleaseAllowance } from './release-allowance.js'
import { Dispatcher } from './dispatcher.js'
import { Backlog, RESIDENT_READY } from './backlog.js'
import { OwnerAnnouncer } from './owner-announcer.js'
import { createOwnerRetention, type OwnerRetention } from './owner-retention.js'
import { OutputFetch } from './output-fetch.js'
import { OwnerIntake } from './owner-intake.js'
import { ResultVerification, resultEvent } from './result-verification.js'
import { LeaseBudget } from './lease-budget.js'
import { capacityWarning, waitingNow, waitingReason, type WaitingContext } from './waiting-reason.js'
import { createOwnerEffects, refusalMessage, type PerformEffect } from './owner-effects.js'
import type { BatchSubmission } from './batch-submission.js'
import type { CommitWindow } from './commit-window.js'
import { isStoreWriteError } from './store-errors.js'
import type { Blobs } from './blobs.js'
import type { LeaseRouter } from './lease-router.js'
import type { TaskStore } from './store.js'
import type { TaskWorker } from './worker.js'
import type { Clock } from '../clock.js'
import type { MeshProtocol } from '../gossip/mesh-protocol.js'
import type { PeerRecord } from '../gossip/peer-table.js'
import type { LeaseBody } from '../gossip/wire/codec.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { PeerId } from '@libp2p/interface'

/**
 * The owner side: the node that announced a task is the only one that grants its leases. It
 * writes every task, lease and result to its store before it announces or acknowledges it,
 * grants to claimants (one live lease per replica, epochs that only grow), extends on renewal,
 * expires silent leases and re-offers them, retries with backoff, honours deadlines and cancels,
 * and re-announces unleased tasks so late joiners see them.
 *
 * This class is the facade: it keeps the unfinished tasks, runs their transitions (store first,
 * then effects: owner-effects.ts) and routes workers' lease messages; intake (owner-intake.ts),
 * announcements (owner-announcer.ts), result checks (result-verification.ts), large outputs
 * (output-fetch.ts), lease budgets (lease-budget.ts), waiting notes (waiting-reason.ts) and
 * retention (owner-retention.ts) are the parts it wires together.
 */

export interface TaskOwnerInit {
  selfId: PeerId
  protocol: MeshProtocol
  router: LeaseRouter
  store: TaskStore
  /** Large inputs and modules are served from here; large outputs are fetched through it. */
  blobs: Blobs
  /** This node's own worker, told of its own open work directly (gossip does not echo it back). */
  worker?: Pick<TaskWorker, 'heard'>
  /** Group commit: writes share a transaction, messages go out after it commits. */
  window: CommitWindow
  /** Kinds whose outputs are comparable (for the offer's `deterministic` flag). */
  deterministicKinds: ReadonlySet<string>
  /** Whether this node's own worker runs a kind. */
  runsLocally: (kind: string) => boolean
  clock: Clock
  logger: Logger
  reputation: ReputationHook
  lifecycle: LifecycleSettings
  reannounceMs: number
  retentionMs: number
  /**
   * Live leases a fresh peer (on probation, no verified result yet) may hold on this owner's
   * tasks; the budget doubles with each of its verified results (slow start) until it leaves
   * probation.
   */
  probationLeases: number
  /** Pending tasks kept in memory, waiting for workers (RESIDENT_READY by default); the rest are parked in the store. */
  residentTasks?: number
  /** Told of each task that finishes (succeeded, failed or cancelled), once its transition is written: the node's timeline counts them. */
  onFinished?: (task: Task, at: number) => void
}

/** Waiting reasons written per second at most (each is a store write): 20k stuck tasks are noted over a minute, not in one stall. */
const NOTES_PER_SECOND = 500
/** The sweep's period while the owner has tasks in hand, and while it has none. */
const SWEEP_MS = 100
const IDLE_SWEEP_MS = 1000

export class TaskOwner {
  private readonly init: TaskOwnerInit
  private readonly self: string
  private readonly selfBytes: Uint8Array<ArrayBuffer>
  /** Unfinished tasks; finished ones live in the store only. */
  private readonly tasks = new Map<string, Task>()
  private readonly offs: Array<() => void> = []
  /** Releases each worker may make before they cost it (a drain fits, a claim-release loop does not). */
  private readonly releases = new ReleaseAllowance()
  private lastNotes = 0
  /** Leases live when this owner started (task/replica/epoch): their expiry is not charged to their holder. */
  private readonly resumedLeases = new Set<string>()
  private lastSweep = 0
  private storeFullWarnedAt = -Infinity
  private timers: unknown[] = []
  private sweepTimer?: unknown
  private sweepAt = Infinity
  private sweepOnce: () => void = () => {}
  private started = false
  /** Claims of one named task (the per-task form of a pull). */
  claimsReceived = 0
  grantsIssued = 0
  private readonly dispatcher: Dispatcher
  /** Pending tasks beyond the ones in memory, in the store only (backlog.ts). */
  private readonly backlog: Backlog
  private readonly residentTasks: number
  private dispatchScheduled = false
  private readonly retention: OwnerRetention
  private readonly announcer: OwnerAnnouncer
  private readonly outputs: OutputFetch
  private readonly intake: OwnerIntake
  private readonly verification: ResultVerification
  /** Live leases per worker on this owner's tasks, and how many each may hold. */
  private readonly leases: LeaseBudget
  /** Carries out a saved transition's effects (owner-effects.ts). */
  private readonly perform: PerformEffect

  constructor (init: TaskOwnerInit) {
    this.init = init
    this.self = init.selfId.toString()
    this.selfBytes = peerIdToBytes(init.selfId)
    this.leases = new LeaseBudget({ reputation: init.reputation, probationLeases: init.probationLeases })
    this.dispatcher = new Dispatcher({
      allowance: worker => this.leases.allowance(worker),
      grant: (task, replica, worker) => {
        const before = this.tasks.get(task.id)
        if (before == null) return false
        this.apply(before, { type: 'claimed', worker, replica })
        return this.tasks.get(task.id)?.replicas[replica]?.lease?.holder === worker
      },
      now: () => this.init.clock.now()
    })
    this.backlog = new Backlog(init.store, id => this.tasks.has(id))
    this.residentTasks = init.residentTasks ?? RESIDENT_READY
    this.announcer = new OwnerAnnouncer({
      self: this.self,
      protocol: init.protocol,
      worker: init.worker,
      store: init.store,
      ready: this.dispatcher,
      parked: this.backlog,
      resident: id => this.tasks.get(id),
      deterministicKinds: init.deterministicKinds,
      clock: init.clock,
      logger: init.logger
    })
    this.verification = new ResultVerification({
      self: this.self,
      selfBytes: this.selfBytes,
      protocol: init.protocol,
      reputation: init.reputation,
      deterministicKinds: init.deterministicKinds,
      runsLocally: init.runsLocally,
      lifecycle: init.lifecycle,
      reannounceMs: init.reannounceMs,
      logger: init.logger
    })
    this.perform = createOwnerEffects({
      selfBytes: this.selfBytes,
      send: (peer, messages) => { this.send(peer, messages) },
      offers: this.announcer,
      verification: this.verification,
      reputation: init.reputation,
      lifecycle: init.lifecycle,
      granted: () => { this.grantsIssued++ },
      logger: init.logger
    })
    this.intake = new OwnerIntake({
      selfBytes: this.selfBytes,
      self: this.self,
      store: init.store,
      window: init.window,
      get: id => this.get(id),
      comparable: kind => this.verification.comparable(kind),
      take: task => { this.take(task) },
      opened: tasks => {
        this.scheduleDispatch()
        this.announcer.queueAnnounce(tasks)
      },
      commitFailed: err => { this.timerFailed('commit', err) },
      clock: init.clock,
      logger: init.logger
    })
    this.outputs = new OutputFetch({
      resident: id => this.tasks.get(id),
      apply: (task, event) => { this.apply(task, event) },
      deliver: (ref, from, event, output) => { this.onTaskMessage(ref, from, event, output) },
      running: () => this.started,
      blobs: init.blobs,
      lifecycle: init.lifecycle,
      clock: init.clock,
      logger: init.logger
    })
    this.retention = createOwnerRetention({
      store: init.store,
      resident: () => this.tasks.values(),
      parked: () => this.backlog.size,
      clock: init.clock,
      logger: init.logger,
      retentionMs: init.retentionMs
    })
  }

  /**
   * Loads the unfinished tasks it works on from the store (leased, being verified, and pending
   * ones with a replica done), parks the other pending ones in the backlog and loads the first of
   * them, and starts serving.
   */
  start (): void {
    if (this.started) return
    this.started = true
    const now = this.init.clock.now()
    for (const task of [...this.init.store.active(), ...this.init.store.pendingWithResults()]) {
      // A lease's holder may have gone on renewing while we were down: give it a full TTL to
      // reach us again before its lease expires, rather than expiring everything at once.
      for (const replica of task.replicas) {
        if (replica.lease == null) continue
        replica.lease.expiresAt = Math.max(replica.lease.expiresAt, now + this.init.lifecycle.leaseTtlMs)
        this.resumedLeases.add(`${task.id}/${replica.index}/${replica.lease.epoch}`)
      }
      this.tasks.set(task.id, task)
      this.leases.count(task, 1)
      this.dispatcher.track(task)
    }
    this.backlog.open()
    this.refill()
    if (this.tasks.size > 0) this.init.logger.info({ tasks: this.tasks.size, parked: this.backlog.size }, 'resuming unfinished tasks')
    this.offs.push(this.init.router.on((body, from) => {
      try {
        this.onLease(body, from)
      } catch (err) {
        // A store that cannot write refuses the change; the worker sends it again.
        if (!isStoreWriteError(err)) throw err
        this.timerFailed('lease message', err)
      }
    }))
    const { clock } = this.init
    // A timer's work must never throw out of the timer: a store that cannot write (a full disk)
    // leaves the task as it was, and the next round tries again.
    const guarded = (what: string, work: () => unknown) => (): void => {
      try {
        const result = work()
        if (result instanceof Promise) result.catch(err => { this.timerFailed(what, err) })
      } catch (err) {
        this.timerFailed(what, err)
      }
    }
    this.sweepOnce = guarded('sweep', () => { this.sweep() })
    this.scheduleSweep()
    this.timers = [
      clock.setInterval(guarded('announce', async () => { await this.announceOpen() }), this.init.reannounceMs),
      clock.setInterval(guarded('prune', () => { this.retention.prune() }), 3_600_000),
      clock.setInterval(guarded('prune results', () => { this.retention.pruneResults() }), 60_000)
    ]
    guarded('announce', async () => { await this.announceOpen() })()
    guarded('prune', () => { this.retention.prune() })()
  }

  /** Logs a timer's failure, a full store at most once a minute (it repeats every sweep until space returns). */
  private timerFailed (what: string, err: unknown): void {
    const now = this.init.clock.now()
    if (isStoreWriteError(err)) {
      if (now - this.storeFullWarnedAt < 60_000) return
      this.storeFullWarnedAt = now
      this.init.logger.warn({ what, err: (err as Error).message }, 'the store cannot write (is the disk full?): tasks wait as they are until it can')
      return
    }
    this.init.logger.error({ what, err }, 'owner timer failed')
  }

  /** Workers holding live leases of this owner's tasks: peers its work needs to reach. */
  leaseHolders (): string[] {
    return this.leases.holders()
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    for (const off of this.offs.splice(0)) off()
    for (const timer of this.timers) this.init.clock.clearInterval(timer)
    this.timers = []
    this.init.clock.clearTimeout(this.sweepTimer)
    this.sweepTimer = undefined
    this.announcer.stop()
  }

  /**
   * The sweep's next run: 100 ms on while tasks are in hand (leases to expire, retries to
   * re-offer), 1 s on while there are none (parked tasks' deadlines are checked once a second
   * anyway), and sooner again as soon as one is admitted. An idle node's timer wakeups cost
   * ~0.2 ms of CPU each here, most of what an idle node process spends (docs/SCALING.md).
   */
  private scheduleSweep (): void {
    if (!this.started) return
    const { clock } = this.init
    const delay = this.tasks.size > 0 || this.backlog.size > 0 ? SWEEP_MS : IDLE_SWEEP_MS
    const at = clock.now() + delay
    if (this.sweepTimer != null) {
      if (this.sweepAt <= at) return
      clock.clearTimeout(this.sweepTimer)
    }
    this.sweepAt = at
    this.sweepTimer = clock.setTimeout(() => {
      this.sweepTimer = undefined
      this.sweepAt = Infinity
      this.sweepOnce()
      this.scheduleSweep()
    }, delay)
  }

  /** A peer's connection closed: its standing requests go (it pulls again when it is back). */
  peerGone (peer: string): void {
    this.dispatcher.forget(peer)
  }

  /** Validates, stores, then announces. Returns the ids (the existing ones for a known idempotency key). */
  async submit (request: unknown): Promise<string[]> {
    return await this.intake.submit(request)
  }

  /** A batch of distinct inputs (batch-submission.ts), as submit: stored in one transaction, then announced together. */
  async submitMany (batch: BatchSubmission): Promise<string[]> {
    return await this.intake.submitMany(batch)
  }

  /** A stored task taken up: into memory while the window has room; the rest wait in the store (backlog.ts). */
  private take (task: Task): void {
    if (this.dispatcher.readyCount() < this.residentTasks) this.admit(task)
    else this.backlog.park(task)
  }

  /** A task the owner works on from now: in memory, and in the dispatcher's ready queue if it has an open replica. */
  private admit (task: Task): void {
    this.tasks.set(task.id, task)
    this.dispatcher.track(task)
    this.scheduleSweep()
  }

  /** Loads parked tasks once the ready ones fall below half the window. */
  private refill (): void {
    const room = this.residentTasks - this.dispatcher.readyCount()
    if (this.backlog.size === 0 || room < this.residentTasks / 2) return
    for (const task of this.backlog.load(room)) this.admit(task)
  }

  /** The task if the owner works on it, loading it from the backlog if it is parked there. */
  private resident (id: string): Task | undefined {
    const task = this.tasks.get(id)
    if (task != null) return task
    const parked = this.backlog.take(id)
    if (parked != null) this.admit(parked)
    return parked
  }

  cancel (id: string, reason = 'cancelled by the owner'): TaskView {
    const task = this.resident(id)
    if (task == null) {
      const stored = this.init.store.get(id)
      if (stored == null) throw new MeshError('NOT_FOUND', `no task ${id}`)
      throw new MeshError('CONFLICT', `task ${id} is ${stored.state} and cannot be cancelled`)
    }
    this.apply(task, { type: 'cancelled', reason })
    void this.init.protocol.cancel([fromHex(id) as Uint8Array<ArrayBuffer>], reason).catch(() => {})
    return viewOf(this.get(id) as Task)
  }

  /**
   * Cancels many tasks at once (a batch): every unfinished one of `ids` is cancelled (its holders
   * told point-to-point), and the cancel goes on gossip 256 ids per message. Finished or unknown
   * ids are skipped. Returns the ids cancelled.
   */
  cancelMany (ids: string[], reason: string): string[] {
    const cancelled: string[] = []
    for (const id of ids) {
      const task = this.resident(id)
      if (task == null) continue
      this.apply(task, { type: 'cancelled', reason })
      cancelled.push(id)
    }
    if (cancelled.length > 0) void this.init.protocol.cancel(cancelled.map(id => fromHex(id) as Uint8Array<ArrayBuffer>), reason).catch(() => {})
    return cancelled
  }

  get (id: string): Task | undefined {
    return this.tasks.get(id) ?? this.init.store.get(id)
  }

  list (state?: TaskState, limit?: number): Task[] {
    return this.init.store.list(state, limit)
  }

  output (id: string): Uint8Array | undefined {
    return this.init.store.output(id)
  }

  /** Claims received count every task a worker asked for (a pull for k counts k); grants, first grants of a replica's lease. */
  stats (): { counts: Record<string, number>, claimsReceived: number, grantsIssued: number, claimsPerGrant: number | null, pulling: number, commits: number, writes: number, resident: number, parked: number } {
    const claims = this.claimsReceived + this.dispatcher.claimsReceived
    return {
      counts: this.init.store.counts(),
      claimsReceived: claims,
      grantsIssued: this.grantsIssued,
      claimsPerGrant: this.grantsIssued === 0 ? null : claims / this.grantsIssued,
      pulling: this.dispatcher.requests().length,
      commits: this.init.window.commits,
      writes: this.init.window.writes,
      // Unfinished tasks in memory, and pending ones waiting in the store only (backlog.ts).
      resident: this.tasks.size,
      parked: this.backlog.size
    }
  }

  /** Tasks not finished: those in memory and those parked in the store (resident + parked in `stats()`, without its counts query). */
  unfinished (): number {
    return this.tasks.size + this.backlog.size
  }

  private onLease (body: LeaseBody, from: string): void {
    if (!this.started) return
    switch (body.type) {
      case 'pull':
        this.onPull(body.pull, from)
        break
      case 'claim': {
        this.claimsReceived++
        const refusal = this.leases.ineligible(from)
        if (refusal != null) {
          this.refuse(from, body.claim.task, refusal.code, refusal.reason)
          break
        }
        this.onTaskMessage(body.claim.task, from, { type: 'claimed', worker: from, replica: body.claim.task.replica })
        break
      }
      case 'renew':
        this.onTaskMessage(body.renew.task, from, { type: 'renewed', worker: from, replica: body.renew.task.replica, epoch: body.renew.task.epoch, progress: body.renew.progress })
        break
      case 'release':
        this.onTaskMessage(body.release.task, from, { type: 'released', worker: from, replica: body.release.task.replica, epoch: body.release.task.epoch, reason: body.release.reason || 'released' })
        break
      case 'result':
        this.onResult(body.result as Result & { signed: { task: TaskRef } }, from)
        break
      default:
        break
    }
  }

  /**
   * A worker asks for more tasks: its request stands until granted (as tasks open) or withdrawn.
   * The answer (Credit) follows the grants it got at once, and says how many requests are held
   * and how much open work no request covers, so the worker asks for no more than there is.
   */
  private onPull (pull: Pull, from: string): void {
    const state = this.init.reputation.stateOf?.(from) ?? 'neutral'
    if (state === 'banned') {
      this.dispatcher.forget(from)
      this.send(from, [{ credit: { owner: this.selfBytes, held: 0, reason: 'banned by this owner', unclaimed: 0 } }])
      return
    }
    const held = this.dispatcher.pull(from, { count: pull.count, kinds: pull.kinds, slots: pull.slots, memoryBytes: pull.memoryBytes })
    const allowance = this.leases.allowance(from)
    const reason = held > 0 && allowance <= 0 ? `${state}: at most ${this.leases.budget(from)} live lease(s) on this owner's tasks until results are verified` : ''
    // A request still held means nothing open now is for this worker: none unclaimed for it.
    const unclaimed = held > 0 ? 0 : Math.min(LIMITS.pullCount, this.dispatcher.unclaimed(this.backlog.openReplicas()))
    this.send(from, [{ credit: { owner: this.selfBytes, held, reason, unclaimed } }])
  }

  /** Grants to standing requests once the current turn's changes are in (a burst of opened replicas dispatches once). */
  private scheduleDispatch (): void {
    if (this.dispatchScheduled || !this.started) return
    this.dispatchScheduled = true
    queueMicrotask(() => {
      this.dispatchScheduled = false
      if (!this.started) return
      try {
        // Grants drain the window: load parked tasks and grant again while requests stand.
        for (let round = 0; round < 16; round++) {
          this.refill()
          const parked = this.backlog.size
          if (this.dispatcher.dispatch() === 0 || parked === 0) break
        }
      } catch (err) {
        if (!isStoreWriteError(err)) throw err
        this.timerFailed('dispatch', err)
      }
    })
  }

  private onResult (result: Result & { signed: { task: TaskRef } }, from: string): void {
    const { signed } = result
    const event = resultEvent(result, from)
    if (event == null) return
    if (event.outcome !== 'succeeded') {
      this.onTaskMessage(signed.task, from, event)
      return
    }
    if (result.output.byteLength === 0 && result.outputSize > 0) {
      this.outputs.fetch(signed.task, from, event, result.outputSize)
      return
    }
    if (toHex(sha256(result.output)) !== event.outputHash) {
      // Its own signature says another output: a misreport, not a result.
      this.init.reputation.report(from, 'invalid_message', 'result output does not match its signed hash')
      this.refuse(from, signed.task, RefusalCode.NOT_ELIGIBLE, 'output does not match its signed hash')
      return
    }
    this.onTaskMessage(signed.task, from, event, result.output)
  }

  /** Whether `peer` may fetch the task blob `hash`: it holds a live lease on an unfinished task that needs it. */
  grantsBlob (hash: string, peer: string): boolean {
    for (const task of this.tasks.values()) {
      if (task.spec.inputRef?.hash !== hash && task.spec.module?.hash !== hash) continue
      if (task.replicas.some(r => r.lease?.holder === peer)) return true
    }
    return false
  }

  private onTaskMessage (ref: TaskRef, from: string, event: TaskEvent, output?: Uint8Array): void {
    if (toHex(ref.owner) !== toHex(this.selfBytes)) return
    const id = toHex(ref.taskId)
    const task = this.tasks.get(id)
    if (task != null) {
      // A success, or a failure for good: either is a claim about the task that other replicas
      // (or a spot check) can contradict.
      if (event.type === 'resultReceived' && (event.outcome === 'succeeded' || event.outcome === 'failed_permanent')) {
        const compare = task.spec.compare ?? this.verification.comparable(task.spec.kind)
        this.apply(task, { ...event, compare, spotCheck: compare && this.verification.spotCheck(task, from) }, output)
        return
      }
      this.apply(task, event, output)
      return
    }
    const stored = this.init.store.get(id)
    if (stored == null) this.refuse(from, ref, RefusalCode.UNKNOWN_TASK, 'no such task')
    else if (event.type === 'resultReceived' && stored.replicas[ref.replica]?.doneBy === from && stored.replicas[ref.replica]?.epoch === ref.epoch) {
      // The same result again (our ack was lost): acknowledge again.
      this.send(from, [{ ack: { task: ref } }])
    } else {
      this.refuse(from, ref, RefusalCode.TASK_CLOSED, `task is ${stored.state}`)
    }
  }

  /** Runs one transition: persists it, then carries out its effects. */
  private apply (task: Task, event: TaskEvent, output?: Uint8Array): void {
    const now = this.init.clock.now()
    const heldBefore = event.type === 'released' ? this.leases.held(event.worker) : 0
    const { task: next, effects } = transition(task, event, now, this.init.lifecycle)
    // A refusal changes nothing. Anything else is saved before its effects happen, except a
    // renewal: it only moves an expiry, and a restarted owner gives every live lease a fresh TTL.
    const changed = next.history.length !== task.history.length || effects.some(e => e.type !== 'refuse')
    if (changed) {
      // In the commit window: should it be rolled back, this change is undone in memory too.
      const undo = (): void => {
        if (this.tasks.get(task.id) !== next && this.tasks.has(task.id)) return
        this.leases.count(next, -1)
        this.leases.count(task, 1)
        this.tasks.set(task.id, task)
        this.dispatcher.track(task)
      }
      if (event.type !== 'renewed') this.init.window.write(() => { this.persist(next, event, now, output) }, undo)
      // After the store took it: a failed save changes nothing, counts included.
      this.leases.count(task, -1)
      this.leases.count(next, 1)
      if (event.type === 'resultReceived' && event.outcome === 'failed') this.init.reputation.report(event.worker, 'task_failure', `task ${task.id}: ${event.error ?? ''}`)
      if (event.type === 'released') {
        this.init.reputation.report(event.worker, 'lease_released', `task ${task.id}: ${event.reason}`)
        if (!this.releases.take(event.worker, now, heldBefore)) this.init.reputation.report(event.worker, 'lease_churn', `task ${task.id}: a release beyond its allowance`)
      }
      if (event.type === 'expired') {
        const lease = task.replicas[event.replica]?.lease
        // A lease granted before this owner restarted may have been lost to its downtime (the
        // holder could not renew it): that is the owner's doing, not the worker's.
        const resumed = lease != null && this.resumedLeases.delete(`${task.id}/${event.replica}/${lease.epoch}`)
        if (lease != null && !resumed) this.init.reputation.report(lease.holder, 'lease_expired', `lease of task ${task.id} expired`)
      }
      if (TERMINAL.has(next.state)) {
        this.tasks.delete(next.id)
        if (!TERMINAL.has(task.state)) this.init.onFinished?.(next, now)
      } else {
        this.tasks.set(next.id, next)
      }
      this.dispatcher.track(next)
      // A released, expired or added replica goes to a standing request at once; it is announced
      // too, for workers that have none here.
      if (openReplicas(next, now).length > 0 && event.type !== 'claimed') {
        this.scheduleDispatch()
        if (event.type === 'released' || event.type === 'expired') this.announcer.queueAnnounce([next])
      } else if (event.type !== 'claimed' && task.replicas.some(r => r.lease != null && next.replicas[r.index]?.lease == null)) {
        // A lease ended: its holder may be under its probation budget again, and requests of its stand.
        this.scheduleDispatch()
      }
      const last = next.history.at(-1)
      if (last != null && last !== task.history.at(-1)) this.init.logger.debug({ task: next.id, state: last.state, reason: last.reason }, 'task transition')
    }
    for (const effect of effects) this.perform(next, effect, event)
  }

  /**
   * Saves a transition. A result's output is kept as a blob until the task is decided (replicas
   * are compared by hash); the accepted output is stored with the task when it succeeds.
   */
  private persist (next: Task, event: TaskEvent, now: number, output?: Uint8Array): void {
    const { store } = this.init
    const received = event.type === 'resultReceived' && output != null ? event.outputHash : undefined
    if (next.state !== 'succeeded') {
      // No transaction of its own (a savepoint costs ~2 % of the throughput bench): the commit
      // window's transaction holds both writes, and a failure rolls the whole window back.
      if (received != null && output != null) store.putBlob(received, 'result', output, now)
      store.save(next, now)
      return
    }
    const accepted = next.outputHash === received ? output : next.outputHash != null ? store.blob(next.outputHash) : undefined
    if (accepted == null) throw new Error(`task ${next.id}: the accepted output ${next.outputHash ?? '?'} is not in the store`)
    store.save(next, now, accepted)
  }

  private refuse (worker: string, task: TaskRef, code: RefusalCode, reason: string): void {
    this.send(worker, [refusalMessage(task, code, reason)])
  }

  /** Lease expiries, deadlines and spot checks nobody takes: the events no message brings. */
  private sweep (): void {
    const now = this.init.clock.now()
    const since = this.lastSweep
    this.lastSweep = now
    const notes = now - this.lastNotes >= 1000
    if (notes) this.lastNotes = now
    let budget = NOTES_PER_SECOND
    let alive: PeerRecord[] | undefined
    // Parked tasks whose deadline passed are loaded to be failed below (once a second: a query of the store).
    if (notes) for (const task of this.backlog.pastDeadline(now, 256)) this.admit(task)
    this.refill()
    for (const task of [...this.tasks.values()]) {
      // A retry whose backoff ended since the last sweep goes to the standing requests now.
      if (task.replicas.some(r => r.status === 'open' && r.notBefore > since && r.notBefore <= now)) this.scheduleDispatch()
      const check = task.replicas[1]
      const worker = task.replicas[0]?.doneBy
      if (task.state === 'verifying' && task.spec.redundancy === 1 && task.replicas.length === 2 && worker != null &&
        check?.verification === true && check.status === 'open' && now - check.notBefore >= this.verification.spotCheckWaitMs() && !this.verification.checkerAvailable(task, [worker])) {
        // Dropped only when no peer that could check it is left: a busy mesh delays a check, never skips it.
        this.apply(task, { type: 'checkAbandoned', reason: `no other peer that could run it is alive and connected after ${this.verification.spotCheckWaitMs()} ms` })
        continue
      }
      // Why a task waits is worked out once a second, not at every sweep, and for a bounded
      // number of tasks at a time (a new reason is a write to the store).
      if (notes && budget > 0 && (task.state === 'pending' || task.state === 'verifying') && now - task.createdAt >= 2 * this.init.reannounceMs) {
        alive ??= this.alivePeers()
        if (this.noteIfNobodyCan(task, alive)) budget--
      }
      const due = nextDue(task)
      if (due == null || due > now) continue
      if (now >= task.spec.deadline) {
        alive ??= this.alivePeers()
        const waiting = waitingNow(task, alive, this.waitingContext())
        this.apply(task, { type: 'deadlinePassed', ...(waiting != null ? { waiting } : {}) })
        continue
      }
      alive ??= this.alivePeers()
      this.noteIfNobodyCan(task, alive)
      for (const replica of task.replicas) {
        const current = this.tasks.get(task.id)
        if (current == null) break
        if (current.replicas[replica.index]?.lease != null && (current.replicas[replica.index]?.lease?.expiresAt ?? Infinity) <= now) {
          this.apply(current, { type: 'expired', replica: replica.index })
        }
      }
    }
  }

  /** Notes why a task waits (waiting-reason.ts), if the reason is new; true when it wrote one. `alive` is the peer table's live peers (read once per sweep). */
  private noteIfNobodyCan (task: Task, alive: PeerRecord[]): boolean {
    const current = this.tasks.get(task.id)
    if (current == null) return false
    const reason = waitingReason(current, alive, this.waitingContext())
    if (reason == null) return false
    this.apply(current, { type: 'waiting', reason })
    return true
  }

  private waitingContext (): WaitingContext {
    return { self: this.self, runsLocally: this.init.runsLocally, reputation: this.init.reputation }
  }

  /** Why a task waits now (null unless it is pending or being verified): for its view, parked tasks included. */
  waitingFor (task: Task): string | null {
    return waitingNow(task, this.alivePeers(), this.waitingContext()) ?? null
  }

  /** What to tell whoever submits tasks of `kind` at `redundancy`, when the live peers cannot run them all (waiting-reason.ts). */
  capacityWarning (kind: string, redundancy: number): string | undefined {
    return capacityWarning(kind, redundancy, this.alivePeers(), this.waitingContext())
  }

  /** Live peers with a connection to this owner: what its notes on waiting tasks count, as its decisions do. */
  private alivePeers (): PeerRecord[] {
    return this.init.protocol.peerTable.capacity()
  }

  /** Announces every open task (periodically), while the owner runs. */
  private async announceOpen (): Promise<void> {
    if (!this.started) return
    await this.announcer.announceOpen()
  }

  /** Sends after the commit window closes (with what else goes to the peer, in one frame). */
  private send (peer: string, messages: LeaseMessage[]): void {
    this.init.window.send(peer, messages, this.sendFailed)
  }

  private readonly sendFailed = (peer: string, err: Error): void => {
    this.init.logger.debug({ peer, err: err.message }, 'lease message not delivered')
  }
}

export type { SubmitRequest }
export { viewOf, type TaskView }
