import { LIMITS } from '../gossip/wire/limits.js'
import { OwnerStanding } from './owner-standing.js'
import type { Credit, TaskOffer, WorkSummary } from '../gossip/wire/mesh.js'
import type { Executor } from './exec/executor.js'
import type { BeyondLimits, WorkerCapacity } from './worker-capacity.js'
import type { SendLease } from './worker-sender.js'
import type { Clock } from '../clock.js'
import type { PeerTable } from '../gossip/peer-table.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'

/**
 * The worker's claims: what each owner has open that this worker runs, and what it asked each
 * owner for. It decides when to pull (free slots, fairness across owners, probes to owners that
 * never answered, one standing request) and when to withdraw, and counts each grant against
 * what it asked.
 */

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

/** The runs this worker holds (running or waiting for a slot), as the scheduler counts them. */
export interface RunLoad {
  /** Slots the runs take. */
  slotsHeld: () => number
  /** Runs per owner. */
  perOwner: () => Map<string, number>
}

export interface ClaimSchedulerComponents {
  capacity: WorkerCapacity
  beyondLimits: Pick<BeyondLimits, 'has'>
  runs: RunLoad
  /** Its capabilities name the kinds a pull asks for. */
  executor: Pick<Executor, 'capabilities'>
  peers: Pick<PeerTable, 'isConnected'>
  /** Judges owners too: claims left unanswered count against them, and banned or throttled ones get less. */
  reputation?: Pick<ReputationHook, 'report' | 'stateOf'>
  send: SendLease
  selfBytes: Uint8Array<ArrayBuffer>
  clock: Clock
  logger: Logger
  /** A claim not answered within this is given up, and the task may be claimed again. */
  claimTimeoutMs?: number
}

/** Owners whose open work this worker keeps track of, at most (those not heard from longest go first). */
const MAX_OWNERS = 1000
/** Pulls to owners that never answered this worker, at once (they hold no slot). */
const MAX_PROBES = 32
/** An owner not heard of (announcement or credit) for this long has no open work as far as this worker knows. */
const FORGET_OWNER_MS = 30_000
/** A summary's open count is believed over the owner's last Credit only when that is older than this. */
const CREDIT_FRESH_MS = 2_000

export class ClaimScheduler {
  private readonly components: ClaimSchedulerComponents
  /** Owners with open work this worker could run, and its requests to them. */
  private readonly owners = new Map<string, OwnerWork>()
  /** Which owners answer pulls, and which are silenced for leaving them unanswered. */
  private readonly standing: OwnerStanding
  /** When an unanswered pull last counted against each owner. */
  private readonly ignoredAt = new Map<string, number>()
  private tickTimer?: unknown
  private active = false
  /** Tasks asked for (every pull's count), for the claims-per-task figure. */
  claimsSent = 0

  constructor (components: ClaimSchedulerComponents) {
    this.components = components
    this.standing = new OwnerStanding(components.claimTimeoutMs != null ? { claimTimeoutMs: components.claimTimeoutMs } : {})
  }

  start (): void {
    if (this.active) return
    this.active = true
    this.ensureTicking()
  }

  /**
   * The timer runs only while some owner is known (its claim timeouts and its forgetting need
   * it): on an idle node each timer wakeup costs ~0.2 ms of CPU here, and 20 a second of them
   * were a tenth of what an idle node process spent (docs/SCALING.md).
   */
  private ensureTicking (): void {
    if (!this.active || this.tickTimer != null || this.owners.size === 0) return
    this.tickTimer = this.components.clock.setInterval(() => { this.tick() }, 50)
  }

  private stopTicking (): void {
    this.components.clock.clearInterval(this.tickTimer)
    this.tickTimer = undefined
  }

  /** Asks for nothing more: what it asked for is withdrawn, and what owners have open is forgotten. */
  stop (): void {
    if (!this.active) return
    this.active = false
    this.stopTicking()
    for (const [owner, work] of this.owners) {
      if (work.asked > 0 || work.pulledAt != null) this.sendWithdrawal(owner)
    }
    this.owners.clear()
  }

  /** Slots not running and not promised to a standing request. */
  freeSlots (): number {
    let slots = this.components.runs.slotsHeld()
    // A probe holds nothing: what it would need is checked when its grant arrives.
    for (const w of this.owners.values()) if (w.probe !== true) slots += Math.max(0, w.asked - w.reserved)
    return Math.max(0, this.components.capacity.slots - slots)
  }

  /**
   * An owner's announcement: which kinds it has open work of, counted in its summary, and some
   * tasks in full. Kinds this worker runs are noted, and it pulls from the owner at its next turn.
   */
  heard (owner: string, summary: WorkSummary[], offers: TaskOffer[]): void {
    if (!this.active) return
    const { clock, capacity, beyondLimits } = this.components
    const now = clock.now()
    const kinds = new Set<string>()
    let open = 0
    for (const s of summary) {
      if (s.open === 0 || !capacity.couldRun({ kind: s.kind, slots: s.slots, memoryBytes: s.memoryBytes })) continue
      kinds.add(s.kind)
      open += s.open
    }
    let offered = 0
    for (const offer of offers) {
      if (offer.deadline <= now || !capacity.couldRun(offer) || beyondLimits.has(owner, offer.taskId)) continue
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
      this.ensureTicking()
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
  tick (): void {
    if (!this.active) return
    const { clock, peers, reputation, capacity } = this.components
    const now = clock.now()
    let probes = 0
    for (const [owner, w] of this.owners) {
      if (w.pulledAt != null && now - w.pulledAt > this.standing.claimTimeout(owner)) {
        // With no connection to it the owner is away (restarting, unreachable), not ignoring us.
        if (peers.isConnected(owner)) this.unanswered(owner, w, now)
        else this.peerGone(owner)
      }
      else if (w.asked === 0 && w.pulledAt == null && now - w.heardAt > FORGET_OWNER_MS) this.owners.delete(owner)
      if (w.probe === true && w.pulledAt != null) probes++
    }
    if (this.owners.size === 0) this.stopTicking()
    let free = this.freeSlots()
    if (free <= 0) {
      // Full: the reservations go (a grant for one now would have to wait for a slot).
      for (const [owner, w] of this.owners) {
        if (w.reserved > 0 && w.asked <= w.reserved && w.pulledAt == null) this.withdraw(owner, w)
      }
      return
    }
    let reservations = 0
    for (const w of this.owners.values()) reservations += w.reserved
    const load = this.components.runs.perOwner()
    const candidates = [...this.owners].filter(([owner, w]) => {
      if (w.kinds.size === 0 || w.pulledAt != null || !this.standing.available(owner, now)) return false
      const standing = reputation?.stateOf?.(owner) ?? 'neutral'
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
      } else if (w.asked === 0 && reservations < capacity.slots) {
        // Nothing open there that nobody asked for: one request stands, holding no slot, so the
        // owner's next task is granted at once (no announcement, no claim round trip).
        reservations++
        w.reserved = 1
        this.pull(owner, w, 1, now)
      }
    }
  }

  /** The owner answered a pull (a grant, a credit or a refusal): a proven owner from now on. */
  answered (owner: string): void {
    this.standing.answered(owner)
  }

  /** The owner's Credit: how many of this worker's requests it holds, and its open work nobody asked for. */
  credited (owner: string, credit: Credit): void {
    this.standing.answered(owner)
    const w = this.owners.get(owner)
    if (w == null) return
    // The owner's count is the truth: it follows the grants sent before it.
    w.asked = credit.held
    // Requests the owner holds while nothing open there is for this worker (its Credit says none
    // unclaimed) wait for work yet to come: they stand, holding no slot, so this worker takes
    // other owners' work meanwhile (an owner holds at most one such).
    w.reserved = credit.held > 0 && credit.unclaimed === 0 ? credit.held : Math.min(w.reserved, w.asked)
    w.recalled = 0
    w.unclaimed = credit.unclaimed
    w.creditAt = this.components.clock.now()
    delete w.pulledAt
    delete w.probe
    if (credit.reason !== '') this.components.logger.debug({ owner, held: credit.held, reason: credit.reason }, 'owner limits this worker')
    this.tick()
  }

  /**
   * A grant of a task arrived from the owner: whether this worker asked for it (a standing
   * request, a probe, or a request it withdrew whose grant was already on the way). If so, it
   * counts against what was asked.
   */
  takeGrant (owner: string): boolean {
    const w = this.owners.get(owner)
    if (w == null) return false
    const probe = w.probe === true
    // A grant sent before a withdrawal reached the owner was asked for.
    const recalled = w.asked <= 0 && !probe && w.recalled > 0
    if (w.asked <= 0 && !probe && !recalled) return false
    if (recalled) w.recalled--
    w.asked = Math.max(0, w.asked - 1)
    w.reserved = Math.min(w.reserved, w.asked)
    if (probe) {
      delete w.probe
      delete w.pulledAt
      w.asked = 0
      w.reserved = 0
    }
    return true
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

  /** A connection to the peer opened: an owner that answered before and comes back (a restart) is asked again at once, before its next announcement (its requests were lost with the connection). */
  reconnected (peer: string): void {
    this.standing.reconnected(peer)
    if (this.owners.has(peer)) this.tick()
  }

  private withdraw (owner: string, w: OwnerWork): void {
    w.recalled += w.asked
    w.asked = 0
    w.reserved = 0
    this.sendWithdrawal(owner)
  }

  private sendWithdrawal (owner: string): void {
    this.components.send(owner, [{ pull: { worker: this.components.selfBytes, count: 0, kinds: [], slots: 0, memoryBytes: 0 } }])
  }

  private pull (owner: string, w: OwnerWork, count: number, now: number): void {
    const { executor, capacity, selfBytes } = this.components
    w.asked += count
    w.pulledAt = now
    this.claimsSent += count
    // Every kind it runs, not only those open there now: the request stands for work yet to come.
    const kinds = executor.capabilities().map(c => c.kind).slice(0, LIMITS.pullKinds)
    this.components.send(owner, [{ pull: { worker: selfBytes, count, kinds, slots: capacity.slots, memoryBytes: capacity.memoryBytes ?? 0 } }])
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
      this.components.reputation?.report(owner, 'claim_ignored', 'a pull for work left unanswered')
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
}
