import { LIMITS } from '../gossip/wire/limits.js'
import { LeaseMessage, RefusalCode, ResultStatus, type Grant, type TaskOffer, type TaskRef, type WorkSummary } from '../gossip/wire/mesh.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { signResult } from '../gossip/wire/result-signature.js'
import { sha256, toHex } from './spec.js'
import { isStoreWriteError } from './store-errors.js'
import { OwnerStanding } from './owner-standing.js'
import { LOCAL_LIMIT_PREFIX, type Executor, type ExecResult } from './exec/executor.js'
import type { Blobs } from './blobs.js'
import type { CommitWindow } from './commit-window.js'
import type { StorageQuota } from './quota.js'
import type { LeaseRouter } from './lease-router.js'
import type { TaskStore } from './store.js'
import type { Clock } from '../clock.js'
import type { MeshProtocol } from '../gossip/mesh-protocol.js'
import type { LeaseBody } from '../gossip/wire/codec.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The worker side: hears task announcements, decides what to claim (capability, free slots,
 * priority, fairness across owners, staggered by rendezvous rank so about one worker claims
 * each task), runs what it is granted, renews its leases at half their TTL, and reports signed
 * results, keeping each one on disk until its owner acknowledges it.
 */

/** Faults a worker can be made to commit, for tests and simulations. */
export interface WorkerFaults {
  /** Report a wrong output for every task: its own random one ('random') or one shared by all colluders ('collude'). */
  lie?: 'random' | 'collude'
  /** A slow worker: each task takes this much longer (the lease is renewed meanwhile). */
  delayMs?: number
}

export interface TaskWorkerInit {
  selfId: PeerId
  privateKey: PrivateKey
  protocol: MeshProtocol
  router: LeaseRouter
  executor: Executor
  store: TaskStore
  slots: number
  /** Memory the running tasks may reserve in all (each task reserves what its offer states). */
  memoryBytes?: number
  /** Fetches large inputs and modules from owners, and keeps large outputs for them. */
  blobs?: Blobs
  /** Makes room within the quotas for a result (message and output bytes) kept for an owner. */
  quota?: Pick<StorageQuota, 'roomForResult'>
  /** Further checks of an offer this node's executor can run (e.g. the wasm memory cap). */
  admits?: (offer: TaskOffer) => boolean
  /** Judges owners too: claims left unanswered and results refused count against them. */
  reputation?: ReputationHook
  /** Group commit shared with the node's owner: results are stored in it and sent after it commits (absent: sent at once). */
  window?: CommitWindow
  /** Injected faults (tests and simulations only). */
  faults?: WorkerFaults
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

/** What this worker knows of one owner's open work, and what it asked that owner for. */
interface OwnerWork {
  /** Kinds this worker runs that the owner has open work of. */
  kinds: Set<string>
  heardAt: number
  /** Requests standing at the owner, as far as this worker knows (the owner's Credit sets it). */
  asked: number
  /**
   * Of those, the one kept standing while the owner has no open work for it (so its next task is
   * granted at once): it holds no slot. Withdrawn when this worker's slots are all taken.
   */
  reserved: number
  /** Requests it withdrew whose grants may still be on the way: such a grant was asked for. */
  recalled: number
  /** Open replicas at the owner that no standing request covers (its Credit says, or its summary). */
  unclaimed: number
  creditAt: number
  /** A pull not yet answered: when it went. */
  pulledAt?: number
  /** That pull went to an owner that never answered this worker: it holds no slot here. */
  probe?: boolean
}

/** A granted task waiting for a slot (a reservation or a probe granted while the slots were full). */
interface Waiting {
  run: Running
  start: (started: boolean) => void
}

interface Running {
  key: string
  owner: string
  ref: TaskRef
  abort: AbortController
  slots: number
  memoryBytes: number
  ttlMs: number
  /** When the lease may end on the owner's side, by our clock (conservative). */
  leaseDeadline: number
  renewSentAt: number
  progress: number
  /** Settles when the executor has returned (its processes are gone). */
  ended: Promise<void>
  /** It waits for a slot (it holds its lease, renewed, but runs nothing yet). */
  waiting?: boolean
  renewTimer: unknown
  watchTimer: unknown
  stopReason?: 'timeout' | 'lost lease' | 'cancelled' | 'stopping'
}

/** Owners whose open work this worker keeps track of, at most (those not heard from longest go first). */
const MAX_OWNERS = 1000
/** Owners with undelivered results the worker tries to reach at once, at most. */
const MAX_OWED_OWNERS = 100
const MAX_BEYOND_LIMITS = 10_000
/** Pulls to owners that never answered this worker, at once (they hold no slot). */
const MAX_PROBES = 32
const MAX_DELIVERY_BACKOFF_MS = 30_000
/** An owner not heard of (announcement or credit) for this long has no open work as far as this worker knows. */
const FORGET_OWNER_MS = 30_000
/** A summary's open count is believed over the owner's last Credit only when that is older than this. */
const CREDIT_FRESH_MS = 2_000
/** A granted task waits this long for a slot at most, then is given back. */
const WAIT_FOR_SLOT_MS = 1_000
/** A grant is assumed to take less than this (at most a quarter of the TTL) to arrive: its lease is timed from its arrival less this. */
const GRANT_TRANSIT_MS = 1_000

export function replicaKey (owner: string, taskId: Uint8Array, replica: number): string {
  return `${owner}/${toHex(taskId)}/${replica}`
}

export class TaskWorker {
  private readonly init: TaskWorkerInit
  private readonly self: string
  private readonly selfBytes: Uint8Array<ArrayBuffer>
  /** Owners with open work this worker could run, and its requests to them. */
  private readonly owners = new Map<string, OwnerWork>()
  private readonly running = new Map<string, Running>()
  private readonly waiting: Waiting[] = []
  private readonly offs: Array<() => void> = []
  private readonly unreachable = new Map<string, number>()
  /** Which owners answer pulls, and which are silenced for leaving them unanswered. */
  private readonly standing: OwnerStanding
  /** Per owner with undelivered results: tries so far, and when the next is due. */
  private readonly deliveries = new Map<string, { tries: number, nextAt: number }>()
  /** Tasks (owner/task id) a run of which hit this worker's own limits: given back if granted again. */
  private readonly beyondLimits = new Set<string>()
  /** When an unanswered pull last counted against each owner. */
  private readonly ignoredAt = new Map<string, number>()
  private tickTimer?: unknown
  private deliveryTimer?: unknown
  private started = false
  private draining = false
  /** Set by endDrain(): running tasks are stopped now rather than at the drain bound. */
  private drainCut = false
  /** Tasks asked for (every pull's count), for the claims-per-task figure. */
  claimsSent = 0

  constructor (init: TaskWorkerInit) {
    this.init = init
    this.self = init.selfId.toString()
    this.selfBytes = peerIdToBytes(init.selfId)
    this.standing = new OwnerStanding(init.claimTimeoutMs != null ? { claimTimeoutMs: init.claimTimeoutMs } : {})
  }

  start (): void {
    if (this.started) return
    this.started = true
    this.drainCut = false
    const { protocol, router, clock } = this.init
    this.offs.push(protocol.on('announce', (message, from) => { this.heard(from, message.summary, message.tasks) }))
    this.offs.push(protocol.on('cancel', (message, from) => { for (const id of message.taskIds) this.stopTask(from, id, 'cancelled') }))
    this.offs.push(router.on((body, from) => { this.onLease(body, from) }))
    this.tickTimer = clock.setInterval(() => { this.tick() }, 50)
    // Ticks often; each owner's own turn comes by its backoff.
    this.deliveryTimer = clock.setInterval(() => { this.redeliver() }, Math.min(500, this.init.deliveryRetryMs ?? 2000))
    this.redeliver()
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
    const { clock } = this.init
    clock.clearInterval(this.tickTimer)
    for (const [owner, work] of this.owners) {
      if (work.asked > 0 || work.pulledAt != null) this.send(owner, [{ pull: { worker: this.selfBytes, count: 0, kinds: [], slots: 0, memoryBytes: 0 } }])
    }
    this.owners.clear()
    const deadline = clock.now() + drainMs
    while (this.running.size > 0 && clock.now() < deadline && !this.drainCut) {
      await new Promise(resolve => { clock.setTimeout(() => { resolve(undefined) }, 50) })
    }
    const stopping = [...this.running.values()]
    const releases = stopping.map(async run => {
      this.halt(run, 'stopping')
      await this.init.router.send(run.owner, [{ release: { task: run.ref, worker: this.selfBytes, reason: 'worker stopping' } }]).catch(() => {})
    })
    // Wait for the releases, and for the stopped runs to end (their processes killed, after the
    // kill grace if they ignore SIGTERM), so nothing of theirs outlives the node.
    const ended = stopping.map(async run => { await run.ended })
    await Promise.race([Promise.all([...releases, ...ended]), new Promise(resolve => { clock.setTimeout(() => { resolve(undefined) }, releaseBoundMs) })])
    this.started = false
    this.draining = false
    for (const off of this.offs.splice(0)) off()
    clock.clearInterval(this.deliveryTimer)
  }

  /** Owners of leases this worker holds or of results it keeps for them: peers its work needs to reach. */
  ownersOwed (): string[] {
    const owners = new Set(this.init.store.pendingResultOwners(MAX_OWED_OWNERS))
    for (const run of this.running.values()) owners.add(run.owner)
    return [...owners]
  }

  /** Cuts a drain short (a second signal): running tasks are stopped and released at once. */
  endDrain (): void {
    this.drainCut = true
  }

  /** Slots not running and not promised to a standing request. */
  freeSlots (): number {
    return this.free().slots
  }

  /** Memory of the budget not reserved by running tasks. */
  freeMemory (): number {
    return this.free().memoryBytes
  }

  /** Free slots (less those requested from owners: a grant may come for each) and memory. */
  private free (): { slots: number, memoryBytes: number } {
    let slots = 0
    let memoryBytes = 0
    for (const r of this.running.values()) { slots += r.slots; memoryBytes += r.memoryBytes }
    // A probe holds nothing: what it would need is checked when its grant arrives.
    for (const w of this.owners.values()) if (w.probe !== true) slots += Math.max(0, w.asked - w.reserved)
    return { slots: Math.max(0, this.init.slots - slots), memoryBytes: Math.max(0, (this.init.memoryBytes ?? Number.MAX_SAFE_INTEGER) - memoryBytes) }
  }

  /** Whether this node could ever run a task of this kind and size: kind, slots, memory, and the executor's own limits. */
  private couldRun (offer: Pick<TaskOffer, 'kind' | 'slots' | 'memoryBytes'> & Partial<TaskOffer>): boolean {
    return this.init.executor.canRun(offer.kind) &&
      Math.max(1, offer.slots) <= this.init.slots &&
      offer.memoryBytes <= (this.init.memoryBytes ?? Number.MAX_SAFE_INTEGER) &&
      (this.init.admits?.(offer as TaskOffer) ?? true)
  }

  runningCount (): number {
    return this.running.size
  }

  /**
   * An owner's announcement (gossip, or this node's own owner directly): which kinds it has open
   * work of, counted in its summary, and some tasks in full. Kinds this worker runs are noted,
   * and it pulls from the owner at its next turn.
   */
  heard (owner: string, summary: WorkSummary[], offers: TaskOffer[]): void {
    if (!this.started || this.draining) return
    const now = this.init.clock.now()
    const kinds = new Set<string>()
    let open = 0
    for (const s of summary) {
      if (s.open === 0 || !this.couldRun({ kind: s.kind, slots: s.slots, memoryBytes: s.memoryBytes })) continue
      kinds.add(s.kind)
      open += s.open
    }
    let offered = 0
    for (const offer of offers) {
      if (offer.deadline <= now || !this.couldRun(offer) || this.beyondLimits.has(`${owner}/${toHex(offer.taskId)}`)) continue
      kinds.add(offer.kind)
      offered += offer.openReplicas.length
    }
    if (kinds.size === 0) {
      // A summary that lists nothing this worker runs: it has nothing here now.
      const known = this.owners.get(owner)
      if (known != null && summary.length > 0) known.kinds.clear()
      return
    }
    let work = this.owners.get(owner)
    const known = new Set(work?.kinds ?? [])
    if (work == null) {
      if (this.owners.size >= MAX_OWNERS) this.dropIdleOwner()
      work = { kinds, heardAt: now, asked: 0, reserved: 0, recalled: 0, unclaimed: 0, creditAt: -Infinity }
      this.owners.set(owner, work)
    } else {
      work.kinds = summary.length > 0 ? kinds : new Set([...work.kinds, ...kinds])
      work.heardAt = now
    }
    // Its last Credit is the better count, unless it is old or the announcement names a kind it did not have open then.
    if (now - work.creditAt > CREDIT_FRESH_MS || [...kinds].some(k => !known.has(k))) work.unclaimed = Math.max(summary.length > 0 ? open : work.unclaimed, offered)
    this.tick()
  }

  /**
   * Asks owners for work, for the slots not running nor already asked for: to each owner with
   * open work it runs, the one it serves least first (so one owner flooding the mesh cannot
   * starve the others), owners that answer before ones that never have, and never for more than
   * that owner's open work no one has asked for (one request always stands, so a new task is
   * granted without waiting for an announcement). A pull to an owner that never answered is a
   * probe: one task, holding no slot.
   */
  private tick (): void {
    if (!this.started || this.draining) return
    const now = this.init.clock.now()
    let probes = 0
    for (const [owner, w] of this.owners) {
      if (w.pulledAt != null && now - w.pulledAt > this.standing.claimTimeout(owner)) {
        // With no connection to it the owner is away (restarting, unreachable), not ignoring us.
        if (this.init.protocol.peerTable.isConnected(owner)) this.unanswered(owner, w, now)
        else this.peerGone(owner)
      }
      else if (w.asked === 0 && w.pulledAt == null && now - w.heardAt > FORGET_OWNER_MS) this.owners.delete(owner)
      if (w.probe === true && w.pulledAt != null) probes++
    }
    let free = this.free().slots
    if (free <= 0) {
      // Full: the reservations go (a grant for one now would have to wait for a slot).
      for (const [owner, w] of this.owners) {
        if (w.reserved > 0 && w.asked <= w.reserved && w.pulledAt == null) this.withdraw(owner, w)
      }
      return
    }
    let reservations = 0
    for (const w of this.owners.values()) reservations += w.reserved
    const load = new Map<string, number>()
    for (const r of this.running.values()) load.set(r.owner, (load.get(r.owner) ?? 0) + 1)
    const candidates = [...this.owners].filter(([owner, w]) => {
      if (w.kinds.size === 0 || w.pulledAt != null || !this.standing.available(owner, now)) return false
      const standing = this.init.reputation?.stateOf?.(owner) ?? 'neutral'
      // Owners are judged too: nothing for a banned one, one task at a time for a throttled one.
      if (standing === 'banned') return false
      if (standing === 'throttled' && (load.get(owner) ?? 0) + w.asked >= 1) return false
      return true
    })
    if (candidates.length === 0) return
    const weight = (owner: string, w: OwnerWork): number => (load.get(owner) ?? 0) + w.asked
    candidates.sort(([a, wa], [b, wb]) => {
      const proven = Number(this.standing.proven(b)) - Number(this.standing.proven(a))
      return proven !== 0 ? proven : weight(a, wa) - weight(b, wb)
    })
    const share = Math.max(1, Math.ceil(free / candidates.length))
    for (const [owner, w] of candidates) {
      if (free <= 0) break
      if (!this.standing.proven(owner)) {
        if (probes >= MAX_PROBES || w.asked > 0) continue
        probes++
        w.probe = true
        this.pull(owner, w, 1, now)
        continue
      }
      const want = Math.min(free, share, w.unclaimed)
      if (want > 0) {
        free -= want
        w.unclaimed -= want
        this.pull(owner, w, want, now)
      } else if (w.asked === 0 && reservations < this.init.slots) {
        // Nothing open there that nobody asked for: one request stands, holding no slot, so the
        // owner's next task is granted at once (no announcement, no claim round trip).
        reservations++
        w.reserved = 1
        this.pull(owner, w, 1, now)
      }
    }
  }

  private withdraw (owner: string, w: OwnerWork): void {
    w.recalled += w.asked
    w.asked = 0
    w.reserved = 0
    this.send(owner, [{ pull: { worker: this.selfBytes, count: 0, kinds: [], slots: 0, memoryBytes: 0 } }])
  }

  private pull (owner: string, w: OwnerWork, count: number, now: number): void {
    w.asked += count
    w.pulledAt = now
    this.claimsSent += count
    // Every kind it runs, not only those open there now: the request stands for work yet to come.
    const kinds = this.init.executor.capabilities().map(c => c.kind).slice(0, LIMITS.pullKinds)
    this.send(owner, [{ pull: { worker: this.selfBytes, count, kinds, slots: this.init.slots, memoryBytes: this.init.memoryBytes ?? 0 } }])
  }

  /** A pull the owner left unanswered: nothing is asked of it now, and it is not asked again for a while. */
  private unanswered (owner: string, w: OwnerWork, now: number): void {
    delete w.pulledAt
    delete w.probe
    w.asked = 0
    w.reserved = 0
    this.standing.ignored(owner, now)
    // Counted once per owner per half minute: an owner that restarts or is briefly away
    // leaves requests unanswered, and that is not many offences.
    if (now - (this.ignoredAt.get(owner) ?? -Infinity) >= 30_000) {
      this.ignoredAt.set(owner, now)
      if (this.ignoredAt.size > 1000) this.ignoredAt.delete(this.ignoredAt.keys().next().value as string)
      this.init.reputation?.report(owner, 'claim_ignored', 'a pull for work left unanswered')
    }
  }

  /** Makes room for a new owner: one with no request outstanding, heard of longest ago. */
  private dropIdleOwner (): void {
    let oldest: [string, OwnerWork] | undefined
    for (const entry of this.owners) {
      const [, w] = entry
      if (w.asked > 0 || w.pulledAt != null) continue
      if (oldest == null || w.heardAt < oldest[1].heardAt) oldest = entry
    }
    this.owners.delete((oldest ?? [...this.owners][0] as [string, OwnerWork])[0])
  }

  /** The connection to a peer closed: an owner there holds no request of ours any more. */
  peerGone (peer: string): void {
    const w = this.owners.get(peer)
    if (w == null) return
    w.asked = 0
    w.reserved = 0
    w.recalled = 0
    delete w.pulledAt
    delete w.probe
  }

  private onLease (body: LeaseBody, from: string): void {
    switch (body.type) {
      case 'grant': this.onGrant(body.grant, from); break
      case 'credit': {
        this.standing.answered(from)
        const w = this.owners.get(from)
        if (w == null) break
        // The owner's count is the truth: it follows the grants sent before it.
        w.asked = body.credit.held
        w.reserved = Math.min(w.reserved, w.asked)
        w.recalled = 0
        w.unclaimed = body.credit.unclaimed
        w.creditAt = this.init.clock.now()
        delete w.pulledAt
        delete w.probe
        if (body.credit.reason !== '') this.init.logger.debug({ owner: from, held: body.credit.held, reason: body.credit.reason }, 'owner limits this worker')
        this.tick()
        break
      }
      case 'refusal': {
        this.standing.answered(from)
        const key = replicaKey(from, body.refusal.task.taskId, body.refusal.task.replica)
        const run = this.running.get(key)
        if (run != null && (body.refusal.task.epoch === 0 || body.refusal.task.epoch >= run.ref.epoch)) this.halt(run, 'lost lease')
        // The owner will never take a result it refused: stop resending it. (The channel has
        // checked that `from` is the task's owner, and only the owner's word counts.)
        const dropped = this.write(() => this.init.store.deletePendingResult(toHex(body.refusal.task.taskId), body.refusal.task.replica, body.refusal.task.epoch, from))
        // A result refused as stale or closed may be this worker's own lateness (its lease
        // expired; a cancel crossed it). Refused as ineligible or unknown, for a lease it granted,
        // it is the owner's doing.
        if (dropped && (body.refusal.code === RefusalCode.NOT_ELIGIBLE || body.refusal.code === RefusalCode.UNKNOWN_TASK)) {
          this.init.reputation?.report(from, 'result_refused', `result for ${key} refused: ${body.refusal.reason}`)
        }
        break
      }
      case 'cancel': this.stopTask(from, body.cancel.task.taskId, 'cancelled', body.cancel.task.replica); break
      case 'ack':
        // In the commit window: acks of one turn cost one commit, not one each.
        this.write(() => this.init.store.deletePendingResult(toHex(body.ack.task.taskId), body.ack.task.replica, body.ack.task.epoch, from))
        // It takes results: the rest are sent again at the base interval, not after a long backoff.
        this.deliveries.set(from, { tries: 0, nextAt: this.init.clock.now() + (this.init.deliveryRetryMs ?? 2000) })
        break
      default: break
    }
  }

  private onGrant (grant: Grant, owner: string): void {
    if (!this.started) return
    const task = grant.task as TaskRef
    const key = replicaKey(owner, task.taskId, task.replica)
    const now = this.init.clock.now()
    const run = this.running.get(key)
    if (grant.offer == null) {
      // The answer to a renewal. The owner extended the lease when it got the renewal, which was
      // after we sent it: counting from the send time is on the safe side of its clock.
      if (run != null && run.ref.epoch === task.epoch) run.leaseDeadline = run.renewSentAt + grant.ttlMs
      // No run: the answer came after the task finished. Nothing to give back.
      return
    }
    // It answers requests: a proven owner from now on.
    this.standing.answered(owner)
    const w = this.owners.get(owner)
    const probe = w?.probe === true
    const release = (reason: string): void => { this.send(owner, [{ release: { task, worker: this.selfBytes, reason } }]) }
    // A kind it does not run was never in its requests (they name the kinds it runs).
    // A grant sent before a withdrawal reached the owner was asked for.
    const recalled = w != null && w.asked <= 0 && !probe && w.recalled > 0
    if (run != null || w == null || (w.asked <= 0 && !probe && !recalled) || this.draining || !this.init.executor.canRun(grant.offer.kind)) {
      // Not something this worker asked for (or asked for again): give it back at once.
      release('not claimed by this worker')
      return
    }
    if (recalled) w.recalled--
    w.asked = Math.max(0, w.asked - 1)
    w.reserved = Math.min(w.reserved, w.asked)
    if (probe) {
      delete w.probe
      delete w.pulledAt
      w.asked = 0
      w.reserved = 0
    }
    const offer = grant.offer
    if (!this.couldRun(offer)) {
      release(`${LOCAL_LIMIT_PREFIX}the task needs more than this worker has (slots or memory)`)
      return
    }
    if (this.beyondLimits.has(`${owner}/${toHex(task.taskId)}`)) {
      release(`${LOCAL_LIMIT_PREFIX}a run of this task hit this worker's own limits before`)
      return
    }
    const slots = Math.max(1, offer.slots)
    if (offer.memoryBytes > this.free().memoryBytes) {
      release('not enough free memory')
      return
    }
    // Timed from its arrival, less the transit it may have taken: on the safe side of the owner's clock.
    const grantedAt = now - Math.min(GRANT_TRANSIT_MS, Math.floor(grant.ttlMs / 4))
    this.execute(owner, task, offer, grant.ttlMs, { slots, memoryBytes: offer.memoryBytes, grantedAt }).catch(err => {
      this.init.logger.error({ err, task: key }, 'task execution failed')
    })
  }


  private async execute (owner: string, ref: TaskRef, offer: TaskOffer, ttlMs: number, claim: { slots: number, memoryBytes: number, grantedAt: number }): Promise<void> {
    const { clock, executor, logger } = this.init
    const key = replicaKey(owner, ref.taskId, ref.replica)
    const claimedAt = claim.grantedAt
    // The lease cannot end before grantedAt + TTL.
    let markEnded = (): void => {}
    const ended = new Promise<void>(resolve => { markEnded = resolve })
    const run: Running = { key, owner, ref, abort: new AbortController(), slots: claim.slots, memoryBytes: claim.memoryBytes, ttlMs, leaseDeadline: claimedAt + ttlMs, renewSentAt: claimedAt, progress: 0, ended, renewTimer: undefined, watchTimer: undefined }
    this.running.set(key, run)
    const startedAt = clock.now()
    run.renewTimer = clock.setInterval(() => { this.renew(run) }, Math.max(50, Math.floor(ttlMs / 2)))
    // Stop as soon as the lease may have ended on the owner's side, not at the next renewal.
    run.watchTimer = clock.setInterval(() => { if (clock.now() > run.leaseDeadline) this.halt(run, 'lost lease') }, Math.max(25, Math.floor(ttlMs / 8)))
    // A reservation or a probe granted while the slots were full waits a moment for one.
    if (!await this.slotFor(run)) {
      clock.clearInterval(run.renewTimer)
      clock.clearInterval(run.watchTimer)
      this.running.delete(key)
      markEnded()
      if (run.stopReason == null) this.send(owner, [{ release: { task: ref, worker: this.selfBytes, reason: 'no free slot' } }])
      this.startWaiting()
      return
    }
    const timeout = clock.setTimeout(() => { this.halt(run, 'timeout') }, offer.timeoutMs)
    logger.debug({ task: key, epoch: ref.epoch }, 'running task')
    let result: ExecResult
    try {
      const { input, module } = await this.payload(owner, offer, run.abort.signal)
      if ((this.init.faults?.delayMs ?? 0) > 0) await this.delay(this.init.faults?.delayMs ?? 0, run.abort.signal)
      result = await executor.run(offer.kind, input, { signal: run.abort.signal, onProgress: p => { run.progress = p }, memoryBytes: run.memoryBytes, ...(module != null ? { module } : {}) })
    } catch (err) {
      result = { outcome: 'failed', output: new Uint8Array(), error: (err as Error).message }
    } finally {
      clock.clearInterval(run.renewTimer)
      clock.clearInterval(run.watchTimer)
      clock.clearTimeout(timeout)
      this.running.delete(key)
      markEnded()
      this.startWaiting()
    }
    if (run.stopReason === 'timeout') result = { outcome: 'failed', output: new Uint8Array(), error: `timed out after ${offer.timeoutMs} ms` }
    else if (run.stopReason != null) {
      logger.info({ task: key, epoch: ref.epoch, reason: run.stopReason }, 'task stopped')
      return
    }
    if (result.localLimit === true) {
      this.beyondLimits.add(`${owner}/${toHex(ref.taskId)}`)
      if (this.beyondLimits.size > MAX_BEYOND_LIMITS) this.beyondLimits.delete(this.beyondLimits.values().next().value as string)
    }
    if (result.output.byteLength > LIMITS.blobBytes || (result.output.byteLength > LIMITS.inlineOutputBytes && this.init.blobs == null)) {
      result = { outcome: 'failed_permanent', output: new Uint8Array(), error: `output of ${result.output.byteLength} bytes is over the ${LIMITS.blobBytes}-byte limit` }
    }
    if (result.outcome === 'succeeded' && this.init.faults?.lie != null) {
      // Injected fault: a wrong output (a random one of its own, or the one all colluders share).
      result = { ...result, output: new TextEncoder().encode(this.init.faults.lie === 'collude' ? 'colluding liars agree on this' : `a lie ${Math.random()}`) }
    }
    await this.report(owner, ref, result, startedAt)
    this.tick()
  }

  /** A store write in the shared commit window (or a transaction of its own without one). */
  private write<T> (fn: () => T): T {
    // Lazy: nothing waits on a worker's writes (a result is sent before its commit; lost in a
    // crash, it only costs a re-run), so they wait up to LAZY_COMMIT_MS for company.
    return this.init.window != null ? this.init.window.write(fn, undefined, true) : this.init.store.transaction(fn)
  }

  /** Slots taken by runs that have started (not those waiting). */
  private slotsInUse (): number {
    let n = 0
    for (const r of this.running.values()) if (r.waiting !== true) n += r.slots
    return n
  }

  /** Resolves true when the run may start (a slot is free), false if none frees within WAIT_FOR_SLOT_MS or the run is stopped meanwhile. */
  private async slotFor (run: Running): Promise<boolean> {
    run.waiting = true
    if (this.waiting.length === 0 && this.slotsInUse() + run.slots <= this.init.slots) {
      delete run.waiting
      return true
    }
    return await new Promise<boolean>(resolve => {
      const entry: Waiting = { run, start: started => { delete run.waiting; resolve(started) } }
      this.waiting.push(entry)
      const giveUp = (): void => {
        const i = this.waiting.indexOf(entry)
        if (i < 0) return
        this.waiting.splice(i, 1)
        entry.start(false)
      }
      this.init.clock.setTimeout(giveUp, WAIT_FOR_SLOT_MS)
      run.abort.signal.addEventListener('abort', giveUp, { once: true })
    })
  }

  /** Starts waiting runs, oldest first, while slots are free. */
  private startWaiting (): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as Waiting
      if (this.slotsInUse() + next.run.slots > this.init.slots) return
      this.waiting.shift()
      next.start(true)
    }
  }

  /**
   * The task's input and module: inline in the grant, or fetched by hash from the owner (kept in
   * the store for the next task that needs the same bytes). Fails the attempt, retryably, if the
   * owner cannot hand them over.
   */
  private async payload (owner: string, offer: TaskOffer, signal: AbortSignal): Promise<{ input: Uint8Array, module?: Uint8Array }> {
    const fetch = async (what: string, inline: Uint8Array, hash: Uint8Array, size: number): Promise<Uint8Array> => {
      if (inline.byteLength === size) {
        if (toHex(sha256(inline)) !== toHex(hash)) throw new Error(`the grant's ${what} does not match its hash`)
        return inline
      }
      if (this.init.blobs == null) throw new Error(`${what} of ${size} bytes is over the inline limit and this node fetches no blobs`)
      try {
        return await this.init.blobs.get(owner, toHex(hash), size, true, signal)
      } catch (err) {
        throw new Error(`could not fetch the ${what} (${size} bytes) from the owner: ${(err as Error).message}`)
      }
    }
    const input = offer.inputSize === 0 ? offer.input : await fetch('input', offer.input, offer.inputHash, offer.inputSize)
    if (offer.moduleSize === 0) return { input }
    return { input, module: await fetch('module', offer.module, offer.moduleHash, offer.moduleSize) }
  }

  private async report (owner: string, ref: TaskRef, result: ExecResult, startedAt: number): Promise<void> {
    const status = result.outcome === 'succeeded' ? ResultStatus.SUCCEEDED : result.outcome === 'failed' ? ResultStatus.FAILED : ResultStatus.FAILED_PERMANENT
    const outputHash = sha256(result.output)
    const signed = await signResult(this.init.privateKey, { task: ref, worker: this.selfBytes, status, outputHash: outputHash as Uint8Array<ArrayBuffer> })
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
        finishedAt: this.init.clock.now(),
        error: (result.error ?? '').slice(0, LIMITS.errorChars)
      }
    }
    // Kept on disk for resending: a result survives the owner being away, and this node
    // restarting; within the quotas, which drop older results an owner never acknowledged first.
    // It is sent without waiting for that commit (within LAZY_COMMIT_MS): a crash before it loses
    // only a copy the owner most likely has, and at worst the task runs again.
    const { store, clock, quota } = this.init
    const encoded = LeaseMessage.encode(message)
    try {
      this.write(() => {
        quota?.roomForResult(owner, encoded.byteLength + (byHash ? result.output.byteLength : 0))
        if (byHash) store.putBlob(toHex(outputHash), 'output', result.output, clock.now(), owner)
        store.putPendingResult({ taskId: toHex(ref.taskId), replica: ref.replica, epoch: ref.epoch, owner, message: encoded, ...(byHash ? { outputHash: toHex(outputHash) } : {}) }, clock.now())
      })
    } catch (err) {
      if (!isStoreWriteError(err)) throw err
      // A full disk: the result cannot be kept for resending, but it can still be sent once
      // (an output too large to send inline is lost with the store).
      this.init.logger.warn({ task: replicaKey(owner, ref.taskId, ref.replica), err: (err as Error).message }, 'the store cannot write (is the disk full?): the result is sent once, not kept')
    }
    this.send(owner, [message])
    // Sent now: the first resend waits a full interval for the ack.
    if (!this.deliveries.has(owner)) this.deliveries.set(owner, { tries: 0, nextAt: clock.now() + (this.init.deliveryRetryMs ?? 2000) })
  }

  /**
   * Sends undelivered results again, to the owners whose turn it is: each owner that has not
   * acknowledged is tried again after a backoff (2 s doubling to 30 s; reset by an ack or a new
   * connection to it), and only a bounded batch of its results is read from the store per turn,
   * so the work follows what is due, not what strangers left lying around.
   */
  private redeliver (): void {
    if (!this.started) return
    const now = this.init.clock.now()
    const base = this.init.deliveryRetryMs ?? 2000
    for (const owner of this.init.store.pendingResultOwners(MAX_OWED_OWNERS)) {
      const turn = this.deliveries.get(owner)
      if (turn != null && turn.nextAt > now) continue
      const tries = (turn?.tries ?? 0) + 1
      this.deliveries.set(owner, { tries, nextAt: now + Math.min(MAX_DELIVERY_BACKOFF_MS, base * 2 ** (tries - 1)) })
      const messages = this.init.store.pendingResults(owner, LIMITS.messagesPerFrame).map(p => LeaseMessage.decode(p.message))
      if (messages.length > 0) this.send(owner, messages)
    }
    if (this.deliveries.size > 4 * MAX_OWED_OWNERS) this.deliveries.delete(this.deliveries.keys().next().value as string)
  }

  /** A connection to `peer` opened: results it owes an ack for go out at the next turn. */
  peerConnected (peer: string): void {
    this.deliveries.delete(peer)
    // An owner that answered before and comes back (a restart) is asked again at once, before
    // its next announcement: its requests were lost with the connection.
    this.standing.reconnected(peer)
    if (this.owners.has(peer)) this.tick()
  }

  /** Waits on the node's clock, or until the signal aborts. */
  private async delay (ms: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.init
    await new Promise<void>(resolve => {
      const timer = clock.setTimeout(() => { signal.removeEventListener('abort', done); resolve() }, ms)
      const done = (): void => { clock.clearTimeout(timer); resolve() }
      signal.addEventListener('abort', done, { once: true })
    })
  }

  private renew (run: Running): void {
    if (this.init.clock.now() > run.leaseDeadline) {
      this.halt(run, 'lost lease')
      return
    }
    run.renewSentAt = this.init.clock.now()
    this.send(run.owner, [{ renew: { task: run.ref, worker: this.selfBytes, progress: run.progress } }])
  }

  private stopTask (owner: string, taskId: Uint8Array, reason: Running['stopReason'], replica?: number): void {
    for (const run of this.running.values()) {
      if (run.owner === owner && toHex(run.ref.taskId) === toHex(taskId) && (replica == null || run.ref.replica === replica)) this.halt(run, reason)
    }
  }

  private halt (run: Running, reason: Running['stopReason']): void {
    if (run.stopReason != null) return
    run.stopReason = reason
    run.abort.abort(new Error(reason))
  }

  private send (peer: string, messages: LeaseMessage[]): void {
    if (this.init.window != null) {
      this.init.window.sendLoose(peer, messages, this.sendFailed)
      return
    }
    this.init.router.send(peer, messages).catch(err => { this.sendFailed(peer, err as Error) })
  }

  private readonly sendFailed = (peer: string, err: Error): void => {
    // A pull that never left (no connection) was not ignored: nothing stands there, nothing is held against the owner.
    this.peerGone(peer)
    // Once a minute per owner at warn: a worker that cannot reach an owner should say so.
    const now = this.init.clock.now()
    const fields = { peer, err: err.message }
    if (now - (this.unreachable.get(peer) ?? -Infinity) > 60_000) {
      this.unreachable.set(peer, now)
      if (this.unreachable.size > 1000) this.unreachable.delete(this.unreachable.keys().next().value as string)
      this.init.logger.warn(fields, 'cannot reach a task owner')
    } else {
      this.init.logger.debug(fields, 'lease message not delivered')
    }
  }
}
