import { openReplicas, type Task } from './lifecycle.js'
import type { BacklogCursor, TaskStore } from './store.js'

/**
 * The owner's queue beyond its working set. An owner keeps in memory the tasks it is working on
 * (leased, being verified) and at most `RESIDENT_READY` tasks waiting for a worker; every other
 * pending task is "parked": it lives only in the store, and this class knows of it only as counts
 * by kind (for the announced summary, and for how much open work a worker may ask for). When
 * the owner's ready tasks fall below half the window, it loads the next parked ones in the
 * store's order — highest priority first, then as submitted — so a queue of a million tasks costs
 * the store's disk, not the owner's memory.
 *
 * Priority is exact within the window and within the backlog; across them, a task submitted
 * while the window is full waits until the window falls below half, even if its priority is
 * higher than the window's (at most RESIDENT_READY / 2 tasks of lower priority go before it).
 * A parked task whose deadline passes is loaded at once (`pastDeadline`), so the owner fails it
 * on time.
 */

/** Tasks waiting for a worker that an owner keeps in memory, at most (more only for a moment: a submit larger than the room left parks the rest). */
export const RESIDENT_READY = 4096
/** Rows read from the store per query while loading. */
const PAGE = 512

export type BacklogStore = Pick<TaskStore, 'pendingAfter' | 'pendingByKind' | 'pendingPastDeadline' | 'get'>

export interface ParkedKind {
  tasks: number
  /** Open replicas (an upper bound: a task some of whose replicas are done counts its redundancy). */
  open: number
  maxPriority: number
  slots: number
  memoryBytes: number
}

export class Backlog {
  private readonly kinds = new Map<string, ParkedKind>()
  private parked = 0
  /** Where the next load reads from (null: the start of the store's order). */
  private cursor: BacklogCursor | null = null

  /** `loaded` says which ids the owner holds in memory: a row of one of them, read again after the order restarts, is skipped. */
  constructor (private readonly store: BacklogStore, private readonly loaded: (id: string) => boolean) {}

  /** Tasks parked now. */
  get size (): number {
    return this.parked
  }

  /** Counts every pending task of the store as parked (an owner's start, before it loads any). */
  open (): void {
    this.kinds.clear()
    this.parked = 0
    this.cursor = null
    for (const row of this.store.pendingByKind()) {
      this.kinds.set(row.kind, { tasks: row.tasks, open: row.replicas, maxPriority: row.maxPriority, slots: row.slots, memoryBytes: row.memoryBytes })
      this.parked += row.tasks
    }
  }

  /** Parks a task that is in the store (just inserted): counted here, not kept. */
  park (task: Task): void {
    const kind = this.kinds.get(task.spec.kind) ?? { tasks: 0, open: 0, maxPriority: task.spec.priority, slots: 1, memoryBytes: 0 }
    kind.tasks++
    kind.open += openReplicas(task, Infinity).length
    kind.maxPriority = Math.max(kind.maxPriority, task.spec.priority)
    kind.slots = Math.max(kind.slots, task.spec.slots ?? 1)
    kind.memoryBytes = Math.max(kind.memoryBytes, task.spec.memoryBytes ?? 0)
    this.kinds.set(task.spec.kind, kind)
    this.parked++
    // Newer than every row read so far, so behind the cursor unless its priority is higher than
    // the cursor's: then the next load starts over (skipping what is loaded) to take it in turn.
    if (this.cursor != null && task.spec.priority > this.cursor.priority) this.cursor = null
  }

  /**
   * The next `limit` parked tasks in the store's order (removed from the counts).
   */
  load (limit: number): Task[] {
    const out: Task[] = []
    while (out.length < limit && this.parked > 0) {
      const rows = this.store.pendingAfter(this.cursor, PAGE)
      if (rows.length === 0) {
        // The end of the order: nothing is parked (rows newer than the cursor come after it, and
        // one of a higher priority restarted the order), so counts left are an estimate gone stale.
        this.reset()
        break
      }
      for (const { task, cursor } of rows) {
        this.cursor = cursor
        if (this.loaded(task.id)) continue
        this.unpark(task)
        out.push(task)
        if (out.length >= limit) break
      }
    }
    return out
  }

  /** A parked task the owner needs now (a cancel, a deadline): read from the store and no longer counted. Undefined if it is not pending there or is loaded already. */
  take (id: string): Task | undefined {
    if (this.loaded(id)) return undefined
    const task = this.store.get(id)
    if (task == null || task.state !== 'pending') return undefined
    this.unpark(task)
    return task
  }

  /** Parked tasks whose deadline has passed (at most `limit`), taken out of the backlog for the owner to fail. */
  pastDeadline (now: number, limit: number): Task[] {
    if (this.parked === 0) return []
    const out: Task[] = []
    for (const id of this.store.pendingPastDeadline(now, limit)) {
      const task = this.take(id)
      if (task != null) out.push(task)
    }
    return out
  }

  /** Parked work by kind. */
  summary (): ReadonlyMap<string, ParkedKind> {
    return this.kinds
  }

  /** Open replicas parked (an upper bound). */
  openReplicas (): number {
    let open = 0
    for (const kind of this.kinds.values()) open += kind.open
    return open
  }

  private unpark (task: Task): void {
    this.parked = Math.max(0, this.parked - 1)
    const kind = this.kinds.get(task.spec.kind)
    if (kind == null) return
    kind.tasks--
    kind.open = Math.max(0, kind.open - openReplicas(task, Infinity).length)
    // The largest needs are kept as bounds until the kind empties.
    if (kind.tasks <= 0) this.kinds.delete(task.spec.kind)
  }

  private reset (): void {
    this.kinds.clear()
    this.parked = 0
    this.cursor = null
  }
}
