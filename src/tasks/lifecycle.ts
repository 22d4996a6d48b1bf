import { LIMITS } from '../gossip/wire/limits.js'
import { tally } from './votes.js'
import type { TaskSpec } from './spec.js'

/**
 * The owner's view of a task as a pure state machine:
 *   transition(task, event, now) -> { task, effects }
 * No I/O, no clock of its own: the owner service persists the new task, then carries out the
 * effects (grant, refuse, notify, announce). Every change appends to `history` with a reason,
 * so "why is my task stuck?" always has an answer.
 */

export type TaskState = 'pending' | 'leased' | 'verifying' | 'succeeded' | 'failed' | 'cancelled'
export const TERMINAL: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled'])

export interface Lease {
  holder: string
  epoch: number
  expiresAt: number
  /**
   * The attempt ends by then whatever the renewals say: granted at + the task's timeout + the
   * attempt grace. Absent on leases stored before it existed.
   */
  endsBy?: number
}

export type ReplicaStatus = 'open' | 'leased' | 'done'

export interface Replica {
  index: number
  status: ReplicaStatus
  /** Highest epoch ever granted for this replica; a new grant is always above it. */
  epoch: number
  lease?: Lease
  /** Attempts that ended (failure, expiry) or are running, for this replica. */
  attempts: number
  /** A retry waits until then (backoff). */
  notBefore: number
  progress: number
  outputHash?: string
  /** The worker whose result completed this replica. */
  doneBy?: string
  /** Its signature over the result (hex): evidence, should the result be judged a misreport. */
  signature?: string
  /** The result that completed it said the task fails for good (a vote like an output), and why. */
  failed?: boolean
  error?: string
  /** Added by the owner to check results (a spot check, or no majority yet). */
  verification?: boolean
  /** How the result compared with the accepted output (deterministic kinds only). */
  verdict?: 'agreed' | 'misreport'
}

export interface HistoryEntry {
  at: number
  state: TaskState
  reason: string
}

export interface Task {
  id: string
  owner: string
  spec: TaskSpec
  state: TaskState
  createdAt: number
  replicas: Replica[]
  history: HistoryEntry[]
  /** Accepted output (its hash); set when the task succeeds. */
  outputHash?: string
  error?: string
  /** How each attempt ended, as its worker reported it (the last MAX_ATTEMPT_LOG). */
  attemptLog?: AttemptRecord[]
}

/** One attempt's end, kept by the owner so "why did it fail on that peer?" needs no login there. */
export interface AttemptRecord {
  at: number
  replica: number
  epoch: number
  worker: string
  outcome: ResultOutcome | 'expired' | 'released'
  exitCode?: number
  error?: string
  stderrTail?: string
}

export const MAX_ATTEMPT_LOG = 20

export type ResultOutcome = 'succeeded' | 'failed' | 'failed_permanent'

export type TaskEvent =
  | { type: 'claimed', worker: string, replica: number }
  | {
    type: 'renewed'
    worker: string
    replica: number
    epoch: number
    progress: number
    /** The owner keeps the lease alive itself while it fetches the result's output: past the attempt's end too. */
    byOwner?: boolean
  }
  | { type: 'released', worker: string, replica: number, epoch: number, reason: string }
  | {
    type: 'resultReceived'
    worker: string
    replica: number
    epoch: number
    outcome: ResultOutcome
    outputHash: string
    error?: string
    exitCode?: number
    stderrTail?: string
    /** The worker's signature over the result, hex. */
    signature?: string
    /** Outputs of this kind are comparable: replicas are held to a majority. */
    compare?: boolean
    /** The owner wants this (lone) result re-run on another peer before it is accepted. */
    spotCheck?: boolean
  }
  | { type: 'expired', replica: number }
  /** `waiting`: why the task still waited, as its owner sees it now (waiting-reason.ts); said in the error. */
  | { type: 'deadlinePassed', waiting?: string }
  | { type: 'cancelled', reason: string }
  /** A spot check nobody took in time: the lone result is accepted unverified. */
  | { type: 'checkAbandoned', reason: string }
  /** Why a pending task is still waiting (for example "no capable peer"); noted once per change. */
  | { type: 'waiting', reason: string }

export type RefusalReason = 'STALE_EPOCH' | 'NOT_LEASED' | 'TASK_CLOSED' | 'NOT_ELIGIBLE'

export type TaskEffect =
  | { type: 'grant', worker: string, replica: number, epoch: number, expiresAt: number }
  | { type: 'refuse', worker: string, replica: number, epoch: number, code: RefusalReason, reason: string }
  | { type: 'ackResult', worker: string, replica: number, epoch: number }
  | { type: 'notifyCancel', worker: string, replica: number, epoch: number, reason: string }
  | { type: 'finished', state: TaskState }
  /** A deterministic task was decided: each done replica's result agreed with the accepted output, or not. */
  | { type: 'judged', worker: string, replica: number, epoch: number, verdict: 'agreed' | 'misreport' }

export interface LifecycleSettings {
  leaseTtlMs: number
  /**
   * How long past a task's timeout an attempt may last (the worker's kill grace and its report):
   * at timeout + grace the owner ends it, whatever the renewals say.
   */
  attemptGraceMs: number
  /** Backoff before retry n (1-based): base x 2^(n-1), capped, times a jitter factor in [0.5, 1]. */
  backoffBaseMs: number
  backoffMaxMs: number
  /** Uniform in [0, 1): injected so tests are exact. */
  random: () => number
}

export const DEFAULT_LIFECYCLE: Omit<LifecycleSettings, 'random'> = {
  leaseTtlMs: 5_000,
  attemptGraceMs: 10_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000
}

export class IllegalTransitionError extends Error {
  readonly code = 'ILLEGAL_TRANSITION'
  constructor (readonly state: TaskState, readonly event: TaskEvent['type']) {
    super(`cannot apply ${event} to a task that is ${state}`)
    this.name = 'IllegalTransitionError'
  }
}

export interface Transition {
  task: Task
  effects: TaskEffect[]
}

export function backoffMs (retry: number, settings: LifecycleSettings): number {
  const raw = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, retry - 1))
  return Math.round(raw * (0.5 + settings.random() / 2))
}

export function newTask (id: string, owner: string, spec: TaskSpec, now: number): Task {
  return {
    id,
    owner,
    spec,
    state: 'pending',
    createdAt: now,
    replicas: Array.from({ length: spec.redundancy }, (_, index) => ({ index, status: 'open', epoch: 0, attempts: 0, notBefore: now, progress: 0 })),
    history: [{ at: now, state: 'pending', reason: 'submitted' }]
  }
}

/** Replica indexes a worker may claim now. */
export function openReplicas (task: Task, now: number): number[] {
  if (task.state !== 'pending' && task.state !== 'leased' && task.state !== 'verifying') return []
  return task.replicas.filter(r => r.status === 'open' && r.notBefore <= now).map(r => r.index)
}

/** The next time something must happen to this task without any message: a lease expiry, a deadline, a retry becoming due. */
export function nextDue (task: Task): number | undefined {
  if (TERMINAL.has(task.state)) return undefined
  const times = [task.spec.deadline]
  for (const r of task.replicas) {
    if (r.lease != null) times.push(r.lease.expiresAt)
    else if (r.status === 'open' && r.notBefore > task.createdAt) times.push(r.notBefore)
  }
  return Math.min(...times)
}

export function transition (task: Task, event: TaskEvent, now: number, settings: LifecycleSettings): Transition {
  const next: Task = { ...task, replicas: task.replicas.map(r => ({ ...r, ...(r.lease != null ? { lease: { ...r.lease } } : {}) })), history: [...task.history] }
  const effects: TaskEffect[] = []
  const move = (state: TaskState, reason: string): void => {
    next.state = state
    next.history.push({ at: now, state, reason })
    if (TERMINAL.has(state)) {
      for (const r of next.replicas) {
        delete r.lease
        if (r.status === 'leased') r.status = 'open'
      }
      effects.push({ type: 'finished', state })
    }
  }
  const note = (reason: string): void => { next.history.push({ at: now, state: next.state, reason }) }
  const logAttempt = (record: Omit<AttemptRecord, 'at'>): void => {
    next.attemptLog = [...(task.attemptLog ?? []), { at: now, ...record }].slice(-MAX_ATTEMPT_LOG)
  }
  const settle = (reason: string): void => {
    // The task state follows its replicas: verifying once the owner added replicas to check
    // results, else leased while any lease is live, else pending.
    if (TERMINAL.has(next.state)) return
    const leased = next.replicas.some(r => r.lease != null)
    const state: TaskState = next.replicas.some(r => r.verification === true) ? 'verifying' : leased ? 'leased' : 'pending'
    if (state !== next.state) move(state, reason)
    else note(reason)
  }
  const closed = TERMINAL.has(task.state)

  switch (event.type) {
    case 'claimed': {
      const replica = next.replicas[event.replica]
      if (closed) {
        effects.push({ type: 'refuse', worker: event.worker, replica: event.replica, epoch: 0, code: 'TASK_CLOSED', reason: `task is ${task.state}` })
        break
      }
      if (replica == null || replica.status !== 'open' || replica.notBefore > now) {
        const why = replica == null ? 'no such replica' : replica.status !== 'open' ? `replica ${event.replica} is ${replica.status}` : `replica ${event.replica} retries after backoff`
        effects.push({ type: 'refuse', worker: event.worker, replica: event.replica, epoch: replica?.epoch ?? 0, code: 'NOT_LEASED', reason: why })
        break
      }
      // Replicas go to distinct peers.
      if (next.replicas.some(r => r.index !== replica.index && (r.lease?.holder === event.worker || r.doneBy === event.worker))) {
        effects.push({ type: 'refuse', worker: event.worker, replica: event.replica, epoch: replica.epoch, code: 'NOT_ELIGIBLE', reason: 'already holds another replica of this task' })
        break
      }
      replica.epoch += 1
      replica.status = 'leased'
      replica.attempts += 1
      replica.progress = 0
      const endsBy = now + task.spec.timeoutMs + settings.attemptGraceMs
      replica.lease = { holder: event.worker, epoch: replica.epoch, expiresAt: Math.min(endsBy, now + settings.leaseTtlMs), endsBy }
      effects.push({ type: 'grant', worker: event.worker, replica: replica.index, epoch: replica.epoch, expiresAt: replica.lease.expiresAt })
      settle(`replica ${replica.index} granted to ${event.worker} (epoch ${replica.epoch}, attempt ${replica.attempts})`)
      break
    }

    case 'renewed': {
      const replica = next.replicas[event.replica]
      const refusal = leaseRefusal(task, replica, event.worker, event.epoch)
      if (refusal != null) {
        effects.push({ type: 'refuse', worker: event.worker, replica: event.replica, epoch: event.epoch, ...refusal })
        break
      }
      const lease = replica?.lease as Lease
      // Renewals keep a lease alive up to the attempt's end, never past it.
      if (event.byOwner === true && lease.endsBy != null) lease.endsBy = Math.max(lease.endsBy, now + settings.leaseTtlMs)
      lease.expiresAt = Math.min(lease.endsBy ?? Infinity, now + settings.leaseTtlMs)
      if (replica != null) replica.progress = event.progress
      effects.push({ type: 'grant', worker: event.worker, replica: event.replica, epoch: lease.epoch, expiresAt: lease.expiresAt })
      break
    }

    case 'released': {
      const replica = next.replicas[event.replica]
      const refusal = leaseRefusal(task, replica, event.worker, event.epoch)
      if (refusal != null || replica == null) {
        effects.push({ type: 'refuse', worker: event.worker, replica: event.replica, epoch: event.epoch, ...(refusal ?? { code: 'NOT_LEASED', reason: 'no such replica' }) })
        break
      }
      // A release (drain, shutdown) is not the worker's fault and does not use up an attempt.
      logAttempt({ replica: replica.index, epoch: event.epoch, worker: event.worker, outcome: 'released', error: event.reason })
      delete replica.lease
      replica.status = 'open'
      replica.attempts -= 1
      settle(`replica ${replica.index} released by ${event.worker} (epoch ${event.epoch}): ${event.reason}`)
      break
    }

    case 'resultReceived': {
      const replica = next.replicas[event.replica]
      const refusal = leaseRefusal(task, replica, event.worker, event.epoch)
      if (refusal != null || replica == null) {
        effects.push({ type: 'refuse', worker: event.worker, replica: event.replica, epoch: event.epoch, ...(refusal ?? { code: 'NOT_LEASED', reason: 'no such replica' }) })
        break
      }
      effects.push({ type: 'ackResult', worker: event.worker, replica: event.replica, epoch: event.epoch })
      logAttempt({
        replica: replica.index,
        epoch: event.epoch,
        worker: event.worker,
        outcome: event.outcome,
        ...(event.exitCode != null ? { exitCode: event.exitCode } : {}),
        ...(event.error != null ? { error: event.error } : {}),
        ...(event.stderrTail != null && event.stderrTail !== '' ? { stderrTail: event.stderrTail } : {})
      })
      delete replica.lease
      const failedForGood = event.outcome === 'failed_permanent'
      // A permanent failure is a claim about the task, like an output: where other replicas can
      // answer it (redundancy, a check, a spot check) it is one vote among theirs, and a failure
      // the majority contradicts is a misreport. Alone and unchecked, it fails the task.
      const vote = event.outcome === 'succeeded' || (failedForGood && (next.replicas.length > 1 || (event.compare === true && event.spotCheck === true)))
      if (vote) {
        replica.status = 'done'
        replica.doneBy = event.worker
        replica.outputHash = event.outputHash
        replica.progress = 100
        if (failedForGood) {
          replica.failed = true
          replica.error = event.error ?? 'non-retryable failure'
        }
        if (event.signature != null) replica.signature = event.signature
        const why = failedForGood
          ? `replica ${replica.index} failed for good on ${event.worker} (epoch ${event.epoch}): ${replica.error ?? ''}`
          : `replica ${replica.index} succeeded on ${event.worker} (epoch ${event.epoch})`
        if (event.compare === true && event.spotCheck === true && next.replicas.length === 1) {
          addReplica(`${why}; spot check: replica 1 re-runs it on another peer`)
        } else if (next.replicas.some(r => r.status !== 'done')) {
          settle(why)
        } else if (event.compare === true) {
          decide(why)
        } else {
          // Not comparable: the outputs of replicas prove nothing against each other; any
          // success stands, and the task fails only if every replica failed for good.
          const success = next.replicas.find(r => r.failed !== true)
          if (success != null) {
            next.outputHash = success.outputHash
            move('succeeded', why)
          } else {
            next.error = replica.error
            move('failed', `${why}; not retryable`)
          }
        }
        break
      }
      const why = `replica ${replica.index} failed on ${event.worker} (epoch ${event.epoch}): ${event.error ?? 'no reason given'}`
      if (failedForGood) {
        next.error = event.error ?? 'non-retryable failure'
        move('failed', `${why}; not retryable`)
      } else {
        retryOrFail(replica, why)
      }
      break
    }

    case 'expired': {
      const replica = next.replicas[event.replica]
      if (closed || replica?.lease == null || replica.lease.expiresAt > now) throw new IllegalTransitionError(task.state, event.type)
      const overran = replica.lease.endsBy != null && replica.lease.expiresAt >= replica.lease.endsBy
      const why = overran
        ? `lease of replica ${replica.index} held by ${replica.lease.holder} (epoch ${replica.lease.epoch}) ended: the attempt ran past the task timeout of ${task.spec.timeoutMs} ms plus ${settings.attemptGraceMs} ms`
        : `lease of replica ${replica.index} held by ${replica.lease.holder} (epoch ${replica.lease.epoch}) expired: no renewal within ${settings.leaseTtlMs} ms`
      // A holder that may still be running it is told to stop.
      if (overran) effects.push({ type: 'notifyCancel', worker: replica.lease.holder, replica: replica.index, epoch: replica.lease.epoch, reason: why })
      logAttempt({ replica: replica.index, epoch: replica.lease.epoch, worker: replica.lease.holder, outcome: 'expired', error: why })
      delete replica.lease
      // A lost worker says nothing about the task: offer it again at once (failures back off).
      retryOrFail(replica, why, false)
      break
    }

    case 'deadlinePassed': {
      if (closed) throw new IllegalTransitionError(task.state, event.type)
      for (const r of next.replicas) {
        if (r.lease != null) effects.push({ type: 'notifyCancel', worker: r.lease.holder, replica: r.index, epoch: r.lease.epoch, reason: 'deadline passed' })
      }
      if (isSpotCheck(next)) {
        // The work is done; only its check was not: the result stands, unverified.
        acceptUnverified('deadline passed')
        break
      }
      const neverRan = next.replicas.every(r => r.attempts === 0)
      // Why it still waited, so the error says more than the deadline: the owner's view now,
      // else the last word of the trail (a retry after a failed attempt, a waiting note).
      const last = next.history.at(-1)?.reason
      const waited = next.state === 'pending' || next.state === 'verifying' ? event.waiting ?? (last !== 'submitted' ? last : undefined) : undefined
      next.error = waited != null ? `deadline passed: ${waited}` : neverRan ? 'deadline passed: no capable peer claimed it' : 'deadline passed'
      move('failed', next.error)
      break
    }

    case 'checkAbandoned': {
      const check = next.replicas[1]
      if (closed || !isSpotCheck(next) || check?.status !== 'open') throw new IllegalTransitionError(task.state, event.type)
      acceptUnverified(event.reason)
      break
    }

    case 'waiting': {
      if (closed) throw new IllegalTransitionError(task.state, event.type)
      if (next.history.at(-1)?.reason !== event.reason) note(event.reason)
      break
    }

    case 'cancelled': {
      if (closed) throw new IllegalTransitionError(task.state, event.type)
      for (const r of next.replicas) {
        if (r.lease != null) effects.push({ type: 'notifyCancel', worker: r.lease.holder, replica: r.index, epoch: r.lease.epoch, reason: event.reason })
      }
      move('cancelled', event.reason)
      break
    }
  }
  return { task: next, effects }

  /** Every replica is done: accept the output a strict majority agrees on, add a replica, or give up. */
  function decide (why: string): void {
    const { winner, votes, counts } = tally(next.replicas)
    const n = next.replicas.length
    if (winner != null && votes * 2 > n) {
      // A lone result is accepted unverified: nothing to judge it against.
      const same = (r: Replica): boolean => r.outputHash === winner.outputHash && (r.failed === true) === winner.failed
      for (const r of n > 1 ? next.replicas : []) {
        r.verdict = same(r) ? 'agreed' : 'misreport'
        effects.push({ type: 'judged', worker: r.doneBy as string, replica: r.index, epoch: r.epoch, verdict: r.verdict })
      }
      const liars = next.replicas.filter(r => r.verdict === 'misreport').map(r => r.doneBy)
      const outcome = `${why}; ${votes} of ${n} results agree${winner.failed ? ' that it fails' : ''}${liars.length > 0 ? `; misreported by ${liars.join(', ')}` : ''}`
      if (winner.failed) {
        next.error = next.replicas.find(same)?.error ?? 'non-retryable failure'
        move('failed', outcome)
      } else {
        next.outputHash = winner.outputHash
        move('succeeded', outcome)
      }
    } else if (n < quorumCap(task)) {
      addReplica(`${why}; no majority among ${n} results (${counts})`)
    } else {
      next.error = `no majority among ${n} results (${counts}); ${n} is the most replicas this task gets`
      move('failed', next.error)
    }
  }

  function addReplica (why: string): void {
    const index = next.replicas.length
    next.replicas.push({ index, status: 'open', epoch: 0, attempts: 0, notBefore: now, progress: 0, verification: true })
    settle(`${why}; replica ${index} added to check`)
  }

  /** Drops a spot check that cannot be done and accepts the lone result it was to check. */
  function acceptUnverified (why: string): void {
    const first = next.replicas[0] as Replica
    next.replicas = [first]
    const abandoned = `spot check abandoned (${why}); the result of replica 0 on ${first.doneBy ?? '?'} is accepted unverified`
    if (first.failed === true) {
      next.error = first.error ?? 'non-retryable failure'
      move('failed', abandoned)
      return
    }
    next.outputHash = first.outputHash
    move('succeeded', abandoned)
  }

  function retryOrFail (replica: Replica, why: string, backoff = true): void {
    replica.status = 'open'
    replica.progress = 0
    if (replica.attempts >= task.spec.maxAttempts && replica.index === 1 && isSpotCheck(next)) {
      acceptUnverified(`${why}; no attempts left`)
      return
    }
    if (replica.attempts >= task.spec.maxAttempts) {
      next.error = `${why}; no attempts left (${replica.attempts} of ${task.spec.maxAttempts})`
      move('failed', next.error)
      return
    }
    const wait = backoff ? backoffMs(replica.attempts, settings) : 0
    replica.notBefore = now + wait
    settle(`${why}; retry ${replica.attempts + 1} of ${task.spec.maxAttempts}${wait > 0 ? ` after ${wait} ms` : ' now'}`)
  }
}

/** A task whose lone result is done and whose second replica only checks it. */
function isSpotCheck (task: Task): boolean {
  return task.spec.redundancy === 1 && task.replicas.length === 2 && task.replicas[0]?.status === 'done' && task.replicas[1]?.verification === true && task.replicas[1].status !== 'done'
}

/** The most replicas a task gets while looking for a majority: its redundancy plus two, at least five. */
export function quorumCap (task: Task): number {
  // Replica indexes are bounded by the wire protocol.
  return Math.min(LIMITS.replicaIndex + 1, Math.max(5, task.spec.redundancy + 2))
}

/** Why a renewal, release or result for this lease must be refused, if it must. */
export function leaseRefusal (task: Task, replica: Replica | undefined, worker: string, epoch: number): { code: RefusalReason, reason: string } | undefined {
  if (TERMINAL.has(task.state)) return { code: 'TASK_CLOSED', reason: `task is ${task.state}` }
  if (replica == null) return { code: 'NOT_LEASED', reason: 'no such replica' }
  if (epoch < replica.epoch) return { code: 'STALE_EPOCH', reason: `epoch ${epoch} is older than the replica's epoch ${replica.epoch}` }
  if (replica.lease == null || replica.lease.holder !== worker || replica.lease.epoch !== epoch) {
    return { code: 'NOT_LEASED', reason: `no live lease of replica ${replica.index} for ${worker} at epoch ${epoch}` }
  }
  return undefined
}
