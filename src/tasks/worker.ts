import { createHash } from 'node:crypto'
import { LIMITS } from '../gossip/wire/limits.js'
import { LeaseMessage, RefusalCode, ResultStatus, type Grant, type TaskOffer, type TaskRef } from '../gossip/wire/mesh.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { signResult } from '../gossip/wire/result-signature.js'
import { sha256, toHex } from './spec.js'
import { isStoreWriteError } from './store-errors.js'
import { OwnerStanding } from './owner-standing.js'
import type { Executor, ExecResult } from './exec/executor.js'
import type { Blobs } from './blobs.js'
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

interface Candidate {
  key: string
  owner: string
  ref: TaskRef
  kind: string
  priority: number
  deadline: number
  /** Slots and memory the task needs. */
  slots: number
  memoryBytes: number
  seenAt: number
  rank: number
  eligibleAt: number
  claimedAt?: number
  /** The claim went to an owner that never answered this worker: it holds no slot. */
  probe?: boolean
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
  renewTimer: unknown
  watchTimer: unknown
  stopReason?: 'timeout' | 'lost lease' | 'cancelled' | 'stopping'
}

const MAX_CANDIDATES = 10_000
/** Owners with undelivered results the worker tries to reach at once, at most. */
const MAX_OWED_OWNERS = 100
const MAX_BEYOND_LIMITS = 10_000
/** Claims to owners that never answered this worker, at once (they hold no slot). */
const MAX_PROBES = 32
const MAX_DELIVERY_BACKOFF_MS = 30_000
const MAX_CANDIDATES_PER_OWNER = 2_000
const FORGET_CANDIDATE_MS = 30_000
/** After an owner's AT_LIMIT refusal, how long this worker holds back (then it tries for more again). */
const OWNER_LIMIT_MS = 10_000

export function replicaKey (owner: string, taskId: Uint8Array, replica: number): string {
  return `${owner}/${toHex(taskId)}/${replica}`
}

/** Rendezvous rank: how many of the capable peers hash before us for this task. */
export function rendezvousRank (taskId: Uint8Array, self: string, peers: string[]): number {
  const score = (peer: string): bigint => createHash('sha256').update(taskId).update(peer).digest().readBigUInt64BE(0)
  const mine = score(self)
  return peers.filter(peer => peer !== self && score(peer) < mine).length
}

export class TaskWorker {
  private readonly init: TaskWorkerInit
  private readonly self: string
  private readonly selfBytes: Uint8Array<ArrayBuffer>
  private readonly candidates = new Map<string, Candidate>()
  /** Candidates per owner (for the per-owner bound), kept with the map. */
  private readonly perOwner = new Map<string, number>()
  private readonly running = new Map<string, Running>()
  private readonly offs: Array<() => void> = []
  private readonly unreachable = new Map<string, number>()
  /** Which owners answer claims, and which are silenced for leaving them unanswered. */
  private readonly standing: OwnerStanding
  /** Per owner with undelivered results: tries so far, and when the next is due. */
  private readonly deliveries = new Map<string, { tries: number, nextAt: number }>()
  /** Tasks (owner/task id) a run of which hit this worker's own limits: not claimed again. */
  private readonly beyondLimits = new Set<string>()
  /** Owners that said AT_LIMIT: until when this worker claims from them only while it runs nothing of theirs. */
  private readonly ownerLimits = new Map<string, number>()
  /** When an unanswered claim last counted against each owner. */
  private readonly ignoredAt = new Map<string, number>()
  /**
   * How many tasks this worker runs or claims at once from each owner: it starts at 1 and grows
   * by one with each grant (TCP's slow start), and falls back to what it holds on AT_LIMIT, so a
   * new worker does not send claims an owner on probation terms would refuse.
   */
  private readonly windows = new Map<string, number>()
  private tickTimer?: unknown
  private deliveryTimer?: unknown
  private started = false
  private draining = false
  /** Set by endDrain(): running tasks are stopped now rather than at the drain bound. */
  private drainCut = false
  /** Claims sent, for the claims-per-task figure. */
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
    this.offs.push(protocol.on('announce', (message, from) => { this.offer(message.tasks, from) }))
    this.offs.push(protocol.on('cancel', (message, from) => { for (const id of message.taskIds) this.stopTask(from, id, 'cancelled') }))
    this.offs.push(router.on((body, from) => { this.onLease(body, from) }))
    this.tickTimer = clock.setInterval(() => { this.tick() }, 50)
    // Ticks often; each owner's own turn comes by its backoff.
    this.deliveryTimer = clock.setInterval(() => { this.redeliver() }, Math.min(500, this.init.deliveryRetryMs ?? 2000))
    this.redeliver()
  }

  /**
   * Drains, then stops: claims nothing more at once, gives back grants that arrive meanwhile,
   * lets running tasks finish for up to `drainMs` (renewing their leases), then stops the rest
   * and releases their leases, so their owners re-grant them at once instead of waiting for
   * expiry. Waits for those releases, and for the stopped tasks to end (processes killed), up to
   * `releaseBoundMs`.
   */
  async stop (drainMs = 0, releaseBoundMs = 2000): Promise<void> {
    if (!this.started || this.draining) return
    this.draining = true
    const { clock } = this.init
    clock.clearInterval(this.tickTimer)
    for (const c of this.candidates.values()) delete c.claimedAt
    this.candidates.clear()
    this.perOwner.clear()
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

  /** Slots not running and not promised to an outstanding claim. */
  freeSlots (): number {
    return this.free().slots
  }

  /** Memory of the budget not reserved by running tasks or outstanding claims. */
  freeMemory (): number {
    return this.free().memoryBytes
  }

  /** Free slots and memory, from one pass over what runs and what is claimed. */
  private free (): { slots: number, memoryBytes: number } {
    let slots = 0
    let memoryBytes = 0
    for (const r of this.running.values()) { slots += r.slots; memoryBytes += r.memoryBytes }
    // A probe holds nothing: what it would need is checked when its grant arrives.
    for (const c of this.candidates.values()) if (c.claimedAt != null && c.probe !== true) { slots += c.slots; memoryBytes += c.memoryBytes }
    return { slots: Math.max(0, this.init.slots - slots), memoryBytes: Math.max(0, (this.init.memoryBytes ?? Number.MAX_SAFE_INTEGER) - memoryBytes) }
  }

  /** Whether this node could ever run the offer: kind, slots, memory, and the executor's own limits. */
  private couldRun (offer: TaskOffer): boolean {
    return this.init.executor.canRun(offer.kind) &&
      Math.max(1, offer.slots) <= this.init.slots &&
      offer.memoryBytes <= (this.init.memoryBytes ?? Number.MAX_SAFE_INTEGER) &&
      (this.init.admits?.(offer) ?? true)
  }

  runningCount (): number {
    return this.running.size
  }

  /** Called with announcements: this node's own (directly) and other owners' (by gossip). */
  offer (offers: TaskOffer[], owner: string): void {
    if (!this.started || this.draining) return
    const now = this.init.clock.now()
    const ownerBytes = owner === this.self ? this.selfBytes : peerIdToBytes(owner)
    // Re-announcements of known tasks are most of what arrives: the peer list is read once per
    // message, and a task's rank (a hash per capable peer) is computed only for a new candidate.
    let alive: ReturnType<MeshProtocol['peerTable']['capacity']> | undefined
    for (const offer of offers) {
      if (!this.couldRun(offer) || offer.deadline <= now) continue
      const slots = Math.max(1, offer.slots)
      let rank: number | undefined
      const rankOf = (): number => {
        // Peers with a connection to this node only: a heartbeat can be relayed for a made-up author.
        alive ??= this.init.protocol.peerTable.capacity().filter(p => p.slotsFree > 0)
        const capable = alive.filter(p => p.slotsTotal >= slots && p.capabilities.some(c => c.kind === offer.kind)).map(p => p.peerId)
        return (rank ??= rendezvousRank(offer.taskId, this.self, capable))
      }
      // A task that ran into this worker's own limits is left to others.
      if (this.beyondLimits.has(`${owner}/${toHex(offer.taskId)}`)) continue
      for (const replica of offer.openReplicas) {
        const key = replicaKey(owner, offer.taskId, replica)
        if (this.running.has(key)) continue
        const known = this.candidates.get(key)
        if (known != null) {
          known.seenAt = now
          continue
        }
        if (this.candidates.size >= MAX_CANDIDATES || this.countFrom(owner) >= MAX_CANDIDATES_PER_OWNER) this.dropOldestCandidate(owner)
        const candidateRank = rankOf()
        this.perOwner.set(owner, this.countFrom(owner) + 1)
        this.candidates.set(key, {
          key,
          owner,
          ref: { owner: ownerBytes as Uint8Array<ArrayBuffer>, taskId: offer.taskId, replica, epoch: 0 },
          kind: offer.kind,
          priority: offer.priority,
          deadline: offer.deadline,
          slots,
          memoryBytes: offer.memoryBytes,
          seenAt: now,
          rank: candidateRank,
          eligibleAt: now + candidateRank * (this.init.staggerMs ?? 200)
        })
      }
    }
    this.tick()
  }

  private tick (): void {
    if (!this.started || this.draining) return
    const now = this.init.clock.now()
    for (const [owner, until] of this.ownerLimits) if (until <= now) this.ownerLimits.delete(owner)
    for (const c of this.candidates.values()) {
      if (c.deadline <= now || now - c.seenAt > FORGET_CANDIDATE_MS) this.forget(c.key)
      else if (c.claimedAt != null && now - c.claimedAt > this.standing.claimTimeout(c.owner)) {
        delete c.claimedAt
        delete c.probe
        // An owner that leaves a claim unanswered is not claimed from for a while.
        this.standing.ignored(c.owner, now)
        // Counted once per owner per half minute: an owner that restarts or is briefly away
        // leaves many claims unanswered at once, and that is not many offences.
        if (now - (this.ignoredAt.get(c.owner) ?? -Infinity) >= 30_000) {
          this.ignoredAt.set(c.owner, now)
          if (this.ignoredAt.size > 1000) this.ignoredAt.delete(this.ignoredAt.keys().next().value as string)
          this.init.reputation?.report(c.owner, 'claim_ignored', `claim of ${c.key} unanswered`)
        }
      }
    }
    let probes = 0
    for (const c of this.candidates.values()) if (c.probe === true) probes++
    for (;;) {
      const free = this.free()
      const next = this.pick(now, free.slots, free.memoryBytes, probes < MAX_PROBES)
      if (next == null) break
      next.claimedAt = now
      if (!this.standing.proven(next.owner)) {
        next.probe = true
        probes++
      }
      this.claimsSent++
      this.send(next.owner, [{ claim: { task: next.ref, worker: this.selfBytes } }])
    }
  }

  /**
   * The next task to claim: from the owner this worker serves least right now (so one owner
   * flooding the mesh cannot starve the others), owners that answer claims before ones that
   * never have; priority orders one owner's tasks only (a stranger marking everything top
   * priority gains nothing over other owners); then the oldest. Owners silenced for leaving a
   * claim unanswered get nothing; a claim to an owner that never answered is a probe, sent while
   * `probing` allows and while the slots it would need are free, but holding none.
   */
  private pick (now: number, freeSlots: number, freeMemory: number, probing: boolean): Candidate | undefined {
    const load = new Map<string, number>()
    for (const r of this.running.values()) load.set(r.owner, (load.get(r.owner) ?? 0) + 1)
    for (const c of this.candidates.values()) if (c.claimedAt != null) load.set(c.owner, (load.get(c.owner) ?? 0) + 1)
    let best: Candidate | undefined
    for (const c of this.candidates.values()) {
      // Rank 0 claims at once. A lower-ranked worker claims only a task announced again after its
      // turn came (owners re-announce what is still open), so it does not chase tasks the
      // higher-ranked peers already took: claims per task stay near one.
      if (c.claimedAt != null || c.eligibleAt > now || (c.rank > 0 && c.seenAt < c.eligibleAt)) continue
      if (c.slots > freeSlots || c.memoryBytes > freeMemory) continue
      if (!this.standing.available(c.owner, now)) continue
      const proven = this.standing.proven(c.owner)
      if (!proven && !probing) continue
      // Owners are judged too: nothing for a banned one, one task at a time for a throttled one.
      const standing = this.init.reputation?.stateOf?.(c.owner) ?? 'neutral'
      const limited = standing === 'throttled' || (this.ownerLimits.get(c.owner) ?? 0) > now
      const held = load.get(c.owner) ?? 0
      if (standing === 'banned' || (limited && held >= 1) || held >= (this.windows.get(c.owner) ?? this.init.initialWindow ?? 1)) continue
      if (best == null) { best = c; continue }
      const byLoad = (load.get(best.owner) ?? 0) - (load.get(c.owner) ?? 0)
      if (byLoad !== 0) {
        if (byLoad > 0) best = c
        continue
      }
      const bestProven = this.standing.proven(best.owner)
      if (proven !== bestProven) {
        if (proven) best = c
        continue
      }
      const byPriority = c.owner === best.owner ? c.priority - best.priority : 0
      if (byPriority > 0 || (byPriority === 0 && c.seenAt < best.seenAt)) best = c
    }
    return best
  }

  private onLease (body: LeaseBody, from: string): void {
    switch (body.type) {
      case 'grant': this.onGrant(body.grant, from); break
      case 'refusal': {
        this.standing.answered(from)
        const key = replicaKey(from, body.refusal.task.taskId, body.refusal.task.replica)
        // The owner holds this worker to what it runs for it now: claim no more from it for a while.
        if (body.refusal.code === RefusalCode.AT_LIMIT) {
          this.ownerLimits.set(from, this.init.clock.now() + OWNER_LIMIT_MS)
          this.windows.set(from, 1)
        }
        // An owner that announced a task and then does not know it wastes the claim.
        if (body.refusal.code === RefusalCode.UNKNOWN_TASK && this.candidates.get(key)?.claimedAt != null) {
          this.init.reputation?.report(from, 'claim_ignored', `announced ${key} but does not know it`)
        }
        this.forget(key)
        const run = this.running.get(key)
        if (run != null && (body.refusal.task.epoch === 0 || body.refusal.task.epoch >= run.ref.epoch)) this.halt(run, 'lost lease')
        // The owner will never take a result it refused: stop resending it. (The channel has
        // checked that `from` is the task's owner, and only the owner's word counts.)
        const dropped = this.init.store.deletePendingResult(toHex(body.refusal.task.taskId), body.refusal.task.replica, body.refusal.task.epoch, from)
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
        this.init.store.deletePendingResult(toHex(body.ack.task.taskId), body.ack.task.replica, body.ack.task.epoch, from)
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
    const candidate = this.candidates.get(key)
    // It answers claims: a proven owner from now on.
    this.standing.answered(owner)
    if (run != null || candidate?.claimedAt == null || this.draining) {
      // Not something this worker asked for (or asked for again): give it back at once.
      this.send(owner, [{ release: { task, worker: this.selfBytes, reason: 'not claimed by this worker' } }])
      return
    }
    if (Math.max(1, grant.offer.slots) > candidate.slots || grant.offer.memoryBytes > candidate.memoryBytes || grant.offer.kind !== candidate.kind) {
      // The grant asks for more than the announcement this worker reserved for.
      this.forget(key)
      this.send(owner, [{ release: { task, worker: this.selfBytes, reason: 'the grant differs from the announcement (kind, slots or memory)' } }])
      return
    }
    this.forget(key)
    const free = this.free()
    if (candidate.probe === true && (candidate.slots > free.slots || candidate.memoryBytes > free.memoryBytes)) {
      // A probe held no slot, and the slots filled meanwhile: the owner is proven now, the task goes back.
      this.send(owner, [{ release: { task, worker: this.selfBytes, reason: 'no free slot' } }])
      return
    }
    if ((this.ownerLimits.get(owner) ?? 0) <= now) {
      this.windows.set(owner, Math.min(this.init.slots, (this.windows.get(owner) ?? this.init.initialWindow ?? 1) + 1))
      if (this.windows.size > 1000) this.windows.delete(this.windows.keys().next().value as string)
    }
    this.execute(owner, task, grant.offer, grant.ttlMs, candidate).catch(err => {
      this.init.logger.error({ err, task: key }, 'task execution failed')
    })
  }

  private async execute (owner: string, ref: TaskRef, offer: TaskOffer, ttlMs: number, claim: Candidate): Promise<void> {
    const { clock, executor, logger } = this.init
    const key = replicaKey(owner, ref.taskId, ref.replica)
    const claimedAt = claim.claimedAt ?? clock.now()
    // The grant answered a claim sent at claimedAt: the lease cannot end before claimedAt + TTL.
    let markEnded = (): void => {}
    const ended = new Promise<void>(resolve => { markEnded = resolve })
    const run: Running = { key, owner, ref, abort: new AbortController(), slots: claim.slots, memoryBytes: claim.memoryBytes, ttlMs, leaseDeadline: claimedAt + ttlMs, renewSentAt: claimedAt, progress: 0, ended, renewTimer: undefined, watchTimer: undefined }
    this.running.set(key, run)
    const startedAt = clock.now()
    run.renewTimer = clock.setInterval(() => { this.renew(run) }, Math.max(50, Math.floor(ttlMs / 2)))
    // Stop as soon as the lease may have ended on the owner's side, not at the next renewal.
    run.watchTimer = clock.setInterval(() => { if (clock.now() > run.leaseDeadline) this.halt(run, 'lost lease') }, Math.max(25, Math.floor(ttlMs / 8)))
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
    // On disk before it is sent: a result survives the owner being away, and this node restarting;
    // within the quotas, which drop older results an owner never acknowledged first.
    const { store, clock, quota } = this.init
    const encoded = LeaseMessage.encode(message)
    try {
      store.transaction(() => {
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
    for (const c of this.candidates.values()) {
      if (c.owner === owner && toHex(c.ref.taskId) === toHex(taskId)) this.forget(c.key)
    }
  }

  private halt (run: Running, reason: Running['stopReason']): void {
    if (run.stopReason != null) return
    run.stopReason = reason
    run.abort.abort(new Error(reason))
  }

  /** Drops the oldest candidate of the owner that has the most (a flood evicts its own tasks first). */
  private dropOldestCandidate (arriving: string): void {
    const largest = [...this.perOwner.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? arriving
    for (const c of this.candidates.values()) {
      if (c.owner === largest && c.claimedAt == null) {
        this.forget(c.key)
        return
      }
    }
  }

  /** Drops a candidate, keeping the per-owner counts right. */
  private forget (key: string): void {
    const c = this.candidates.get(key)
    if (c == null) return
    this.candidates.delete(key)
    const n = (this.perOwner.get(c.owner) ?? 1) - 1
    if (n <= 0) this.perOwner.delete(c.owner)
    else this.perOwner.set(c.owner, n)
  }

  private countFrom (owner: string): number {
    return this.perOwner.get(owner) ?? 0
  }

  private send (peer: string, messages: LeaseMessage[]): void {
    this.init.router.send(peer, messages).catch(err => {
      // Once a minute per owner at warn: a worker that cannot reach an owner should say so.
      const now = this.init.clock.now()
      const fields = { peer, err: (err as Error).message }
      if (now - (this.unreachable.get(peer) ?? -Infinity) > 60_000) {
        this.unreachable.set(peer, now)
        if (this.unreachable.size > 1000) this.unreachable.delete(this.unreachable.keys().next().value as string)
        this.init.logger.warn(fields, 'cannot reach a task owner')
      } else {
        this.init.logger.debug(fields, 'lease message not delivered')
      }
    })
  }
}
