import { openReplicas, type Task } from './lifecycle.js'
import { LOCAL_LIMIT_PREFIX } from './exec/executor.js'

/**
 * The owner's half of the pull model (Sparrow's late binding): workers say how many tasks they
 * want (a pull adds to their standing request), and the owner decides which of its open replicas
 * each gets, as they open. Grants go round-robin across the workers that asked, one per worker
 * per round, so a worker that asked first or asks for more cannot take a batch from the others;
 * within a worker's turn the highest priority, then the oldest, open replica it can run goes
 * first. No I/O here: `grant` (the owner) persists and sends.
 */

export interface PullRequest {
  count: number
  kinds: string[]
  /** The most slots and memory one task may need on the worker (0 memory: unstated). */
  slots: number
  memoryBytes: number
}

interface Standing {
  count: number
  kinds: ReadonlySet<string>
  slots: number
  memoryBytes: number
}

export interface DispatcherDeps {
  /** How many more leases this owner lets the worker hold now (Infinity: no limit). */
  allowance: (worker: string) => number
  /** Grants `replica` of `task` to `worker` (persisted, sent after the commit); false if the owner refused it. */
  grant: (task: Task, replica: number, worker: string) => boolean
  now: () => number
}

/** Workers whose requests an owner holds, at most (one entry per worker that asked). */
export const MAX_PULLING = 4096
/** Requests held for one worker at most. */
export const MAX_HELD = 1024
/** Tasks looked at for one worker's turn at most: a worker that can run none of a long queue costs a bounded scan. */
const SCAN_LIMIT = 4096

export class Dispatcher {
  private readonly deps: DispatcherDeps
  private readonly pulling = new Map<string, Standing>()
  /**
   * Tasks with an open replica, by rank (highest first), oldest first within one. The rank is
   * the task's priority, plus a half for a task being verified: a replica that checks a result
   * finishes a task already under way, so it goes before new tasks of the same priority (behind
   * a long queue it would wait for all of it, and the task with it).
   */
  private readonly ready = new Map<number, Map<string, Task>>()
  private ranks: number[] = []
  /** Open replicas per ready task (backoff or not), and their sum. */
  private readonly openOf = new Map<string, number>()
  /** The rank each ready task is filed under. */
  private readonly rankOf = new Map<string, number>()
  private totalOpen = 0
  /** Ready tasks that are not being verified: new work, what the owner's window counts. */
  private fresh = 0
  /** Where the next round starts, so no worker always goes first. */
  private turn = 0
  claimsReceived = 0

  constructor (deps: DispatcherDeps) {
    this.deps = deps
  }

  /** A worker's pull: adds to (or, with count 0, withdraws) its standing request; grants what it can now. Returns how many requests it still holds: 0, or 1 standing for work it can take that is not open yet. */
  pull (worker: string, request: PullRequest): number {
    if (request.count === 0) {
      this.pulling.delete(worker)
      return 0
    }
    this.claimsReceived += request.count
    const known = this.pulling.get(worker)
    if (known == null && this.pulling.size >= MAX_PULLING) {
      // Full: the oldest standing request goes (its worker asks again when it hears of work).
      this.pulling.delete(this.pulling.keys().next().value as string)
    }
    this.pulling.delete(worker)
    this.pulling.set(worker, {
      count: Math.min(MAX_HELD, (known?.count ?? 0) + request.count),
      kinds: new Set(request.kinds),
      slots: Math.max(1, request.slots),
      memoryBytes: request.memoryBytes
    })
    this.dispatch([worker])
    // Requests still held now wait for work this worker can take that is not open yet: open
    // replicas it cannot have (another replica of the same task, limits it hit, a budget) must not
    // hold its slots, or it takes no other owner's work while this one has some. One stands, so
    // the next task it can take is granted at once; the owner's Credit tells the worker so.
    const standing = this.pulling.get(worker)
    if (standing != null && standing.count > 1) standing.count = 1
    return this.held(worker)
  }

  held (worker: string): number {
    return this.pulling.get(worker)?.count ?? 0
  }

  /** The worker is gone (disconnected, banned): its requests are dropped. */
  forget (worker: string): void {
    this.pulling.delete(worker)
  }

  /** Open replicas (counting those in backoff, and `parked` ones the owner has not loaded) that no standing request covers: what more pulls could get. */
  unclaimed (parked = 0): number {
    let wanted = 0
    for (const s of this.pulling.values()) wanted += s.count
    return Math.max(0, this.totalOpen + parked - wanted)
  }

  /** Ready tasks that are not being verified (an open replica, in backoff or not): the owner's window of new work. */
  readyCount (): number {
    return this.fresh
  }

  /** Workers with a standing request, and how many each wants. */
  requests (): Array<{ worker: string, count: number }> {
    return [...this.pulling].map(([worker, s]) => ({ worker, count: s.count }))
  }

  /** Keeps the ready queue in step with a task's new state (after every transition; a finished task leaves it). */
  track (task: Task): void {
    const count = openReplicas(task, Infinity).length
    this.totalOpen += count - (this.openOf.get(task.id) ?? 0)
    const was = this.rankOf.get(task.id)
    const rank = task.state === 'verifying' ? task.spec.priority + 0.5 : task.spec.priority
    if (was != null && (count === 0 || was !== rank)) {
      this.ready.get(was)?.delete(task.id)
      this.rankOf.delete(task.id)
      if (Number.isInteger(was)) this.fresh--
    }
    if (count === 0) {
      this.openOf.delete(task.id)
      return
    }
    this.openOf.set(task.id, count)
    if (!this.rankOf.has(task.id)) {
      this.rankOf.set(task.id, rank)
      if (Number.isInteger(rank)) this.fresh++
    }
    const bucket = this.ready.get(rank)
    if (bucket == null) {
      this.ready.set(rank, new Map([[task.id, task]]))
      this.ranks = [...this.ready.keys()].sort((a, b) => b - a)
    } else {
      bucket.set(task.id, task)
    }
  }

  /** Open replicas, counted by kind (for the announced summary). */
  summary (now: number): Map<string, { open: number, maxPriority: number, slots: number, memoryBytes: number }> {
    const out = new Map<string, { open: number, maxPriority: number, slots: number, memoryBytes: number }>()
    for (const task of this.readyTasks()) {
      const open = openReplicas(task, now).length
      if (open === 0) continue
      const s = out.get(task.spec.kind) ?? { open: 0, maxPriority: task.spec.priority, slots: 1, memoryBytes: 0 }
      s.open += open
      s.maxPriority = Math.max(s.maxPriority, task.spec.priority)
      s.slots = Math.max(s.slots, task.spec.slots ?? 1)
      s.memoryBytes = Math.max(s.memoryBytes, task.spec.memoryBytes ?? 0)
      out.set(task.spec.kind, s)
    }
    return out
  }

  /** Tasks with an open replica, highest priority first. */
  * readyTasks (): Generator<Task> {
    for (const rank of this.ranks) {
      const bucket = this.ready.get(rank)
      if (bucket == null) continue
      yield * bucket.values()
    }
  }

  /**
   * Grants open replicas to the workers that asked, round-robin, until no request or no grantable
   * replica is left. `only`: just these workers (a pull), else all of them (work opened).
   */
  dispatch (only?: string[]): number {
    const now = this.deps.now()
    let granted = 0
    const workers = only ?? [...this.pulling.keys()]
    if (workers.length === 0) return 0
    const start = this.turn++ % workers.length
    const order = [...workers.slice(start), ...workers.slice(0, start)]
    let active = order.filter(w => (this.pulling.get(w)?.count ?? 0) > 0)
    while (active.length > 0) {
      const next: string[] = []
      for (const worker of active) {
        if (this.grantOne(worker, now)) {
          granted++
          if ((this.pulling.get(worker)?.count ?? 0) > 0) next.push(worker)
        }
      }
      active = next
    }
    return granted
  }

  private grantOne (worker: string, now: number): boolean {
    const want = this.pulling.get(worker)
    if (want == null || want.count <= 0) return false
    if (this.deps.allowance(worker) <= 0) return false
    let scanned = 0
    for (const task of this.readyTasks()) {
      if (++scanned > SCAN_LIMIT) break
      const { spec } = task
      if (!want.kinds.has(spec.kind) || (spec.slots ?? 1) > want.slots || (want.memoryBytes > 0 && (spec.memoryBytes ?? 0) > want.memoryBytes)) continue
      // Replicas go to distinct peers; and not again to a worker that hit its own limits on it
      // (its failure or release says so: it would only give it back again).
      if (task.replicas.some(r => r.lease?.holder === worker || r.doneBy === worker)) continue
      if (task.attemptLog?.some(a => a.worker === worker && a.error?.startsWith(LOCAL_LIMIT_PREFIX) === true) === true) continue
      const replica = openReplicas(task, now)[0]
      if (replica == null) continue
      if (!this.deps.grant(task, replica, worker)) continue
      want.count--
      if (want.count <= 0) this.pulling.delete(worker)
      return true
    }
    return false
  }
}
