import type { LeaseMessage } from '../gossip/wire/mesh.js'
import type { TaskStore } from './store.js'

/**
 * Group commit with an outbox (the node's owner and worker share one). Every store write of one
 * event-loop turn, and of the turns before the window closes, goes into one SQLite transaction;
 * the lease messages that tell peers about those writes (grants, acks, results) wait in the
 * outbox and go out only after the commit, many per frame, one send per peer, in the order the
 * windows closed. The window closes at `setImmediate`: a lone write waits one turn, a burst of
 * them shares one commit.
 *
 * A commit is in the OS at once (WAL, `synchronous = NORMAL`): it survives the process being
 * killed, and the WAL's flush to the device follows within a second (wal-sync.ts), as Redis's
 * `appendfsync everysec` that BullMQ advises. With `waitForDevice` (config `syncLeaseMessages`)
 * the outbox waits for that flush too (`durable()`, on the thread pool, shared by the commits of
 * several turns), so nothing said is lost to a power cut; and if a flush is under way when the
 * window would close, it stays open until the flush ends (its messages would wait for it and the
 * next flush anyway): one commit per flush, not one per turn. Waiting for the device puts the
 * disk's flush latency between a result and the next grant (5–8 % of a settled in-process
 * mesh's throughput here, fdatasync ≈ 0.3 ms; more on slower disks).
 *
 * If a write or the commit fails (a full disk), the whole window is rolled back: its messages are
 * dropped (peers send again: a claim, a renewal and a result are all resent) and each write's
 * `undo` restores what the caller changed in memory, newest first.
 */
export interface WindowStore {
  begin: TaskStore['begin']
  commit: TaskStore['commit']
  rollback: TaskStore['rollback']
  durable: TaskStore['durable']
  /** Holds an eager window's commit until the WAL flush under way ends (absent: commit at the next turn). */
  afterFlush?: TaskStore['afterFlush']
}

export type Sender = (peer: string, messages: LeaseMessage[]) => Promise<void>
export type SendFailed = (peer: string, err: Error) => void

/** A window holding only lazy writes commits this long after its first one (unless an eager write closes it sooner). */
export const LAZY_COMMIT_MS = 50

export class CommitWindow {
  private open = false
  private scheduled = false
  /** The open window waits for the WAL flush under way to end before it commits. */
  private heldForFlush = false
  /** The window holds a write whose messages wait for its commit (an owner's): it closes at the next turn. */
  private eager = false
  private lazyTimer?: NodeJS.Timeout
  /** Messages that need no commit before them, sent at the next turn. */
  private readonly loose = new Map<string, { messages: LeaseMessage[], failed: Set<SendFailed> }>()
  private readonly outbox = new Map<string, { messages: LeaseMessage[], failed: Set<SendFailed> }>()
  private undos: Array<() => void> = []
  /** Lazy writes not yet run, by key: they run when the window commits, unless withdrawn first. */
  private readonly deferred = new Map<string, () => void>()
  /** Settles when the outbox of the last window closed is sent (never rejects): later outboxes go after it. */
  private sent: Promise<void> = Promise.resolve()
  /** Windows committed, and writes in them: the group-commit figure. */
  commits = 0
  writes = 0

  private readonly waitForDevice: boolean

  constructor (
    private readonly store: WindowStore,
    private readonly sender: Sender,
    private readonly onFailure: (err: unknown) => void,
    options: { waitForDevice?: boolean } = {}
  ) {
    this.waitForDevice = options.waitForDevice ?? false
  }

  /**
   * Runs a write in the open window (opening it). If it throws, the window is rolled back and
   * the error rethrown; `undo` is called if the window is rolled back later.
   */
  write<T> (fn: () => T, undo?: () => void, lazy = false): T {
    if (!this.open) {
      this.store.begin()
      this.open = true
    }
    if (lazy) {
      // Nothing waits on it (a worker's kept result, an ack's delete): it may wait for company.
      this.closeLazily()
    } else {
      this.eager = true
      this.schedule()
    }
    let result: T
    try {
      result = fn()
    } catch (err) {
      this.fail()
      throw err
    }
    this.writes++
    if (undo != null) this.undos.push(undo)
    return result
  }

  /**
   * A lazy write that runs only when the window commits, unless `withdraw(key)` comes first: a
   * worker keeps a result until its owner acknowledges it, and the ack usually arrives within
   * the lazy window, so the insert and the delete of a kept result both never happen. Until it
   * runs, what it writes is not in the store (reads do not see it).
   */
  defer (key: string, fn: () => void): void {
    this.deferred.set(key, fn)
    this.closeLazily()
  }

  /** Closes the window LAZY_COMMIT_MS from now, unless something closes it sooner. */
  private closeLazily (): void {
    this.lazyTimer ??= setTimeout(() => {
      this.lazyTimer = undefined
      this.closeSafely()
    }, LAZY_COMMIT_MS).unref()
  }

  /** Withdraws a deferred write that has not run: true if there was one. */
  withdraw (key: string): boolean {
    return this.deferred.delete(key)
  }

  /** Queues messages for a peer: sent after the window commits (at once if nothing is written meanwhile). */
  send (peer: string, messages: LeaseMessage[], failed?: SendFailed): void {
    this.queue(this.outbox, peer, messages, failed)
  }

  /**
   * Queues messages that need no commit before them (a worker's pulls, renewals, results kept
   * lazily): sent at the next turn, many per frame, whatever the window holds.
   */
  sendLoose (peer: string, messages: LeaseMessage[], failed?: SendFailed): void {
    this.queue(this.loose, peer, messages, failed)
  }

  private queue (box: Map<string, { messages: LeaseMessage[], failed: Set<SendFailed> }>, peer: string, messages: LeaseMessage[], failed?: SendFailed): void {
    if (messages.length === 0) return
    let queued = box.get(peer)
    if (queued == null) {
      queued = { messages: [], failed: new Set() }
      box.set(peer, queued)
    }
    queued.messages.push(...messages)
    if (failed != null) queued.failed.add(failed)
    this.schedule()
  }


  /** Commits what is written and sends what waits, now. Throws if the commit fails (after rolling back). */
  flush (): void {
    this.sendAll(this.loose)
    this.closeNow()
  }

  private closeNow (): void {
    if (this.deferred.size > 0) {
      // If one fails (a full disk), the window rolls back and the rest are dropped with it: each
      // was a copy kept for resending, of a message already sent once.
      const writes = [...this.deferred.values()]
      this.deferred.clear()
      for (const fn of writes) this.write(fn, undefined, true)
    }
    if (this.lazyTimer != null) {
      clearTimeout(this.lazyTimer)
      this.lazyTimer = undefined
    }
    let committed = false
    if (this.open) {
      try {
        this.store.commit()
      } catch (err) {
        this.fail()
        throw err
      }
      this.open = false
      this.eager = false
      this.commits++
      this.undos = []
      committed = true
    }
    this.release(committed)
  }

  /**
   * Sends the outbox after the outboxes of earlier windows (a credit must not overtake its
   * grants), and with `waitForDevice` once what it speaks of is on the device (after a flush).
   */
  private release (committed: boolean): void {
    // Nobody waits on a window with nothing to say (a worker's lazy writes): the periodic flush takes it.
    if (this.outbox.size === 0) return
    const out = new Map(this.outbox)
    this.outbox.clear()
    const ready = committed && this.waitForDevice ? this.store.durable() : this.sent
    this.sent = ready.then(() => { this.sendAll(out) }, err => {
      // The commit is in the OS but could not be flushed (a failing disk): say nothing of it; peers send again.
      this.onFailure(err)
    })
  }

  private sendAll (box: Map<string, { messages: LeaseMessage[], failed: Set<SendFailed> }>): void {
    const out = [...box]
    box.clear()
    for (const [peer, { messages, failed }] of out) {
      this.sender(peer, messages).catch(err => { for (const f of failed) f(peer, err as Error) })
    }
  }

  private schedule (): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.sendAll(this.loose)
      // A window of lazy writes only waits for its timer (or an eager write).
      if (this.open && !this.eager) {
        this.release(false)
        return
      }
      if (this.heldForFlush) return
      if (this.open && this.waitForDevice && this.store.afterFlush?.(() => { this.heldForFlush = false; this.closeSafely() }) === true) {
        this.heldForFlush = true
        return
      }
      this.closeSafely()
    })
  }

  private closeSafely (): void {
    try {
      this.closeNow()
    } catch (err) {
      this.onFailure(err)
    }
  }

  /** Rolls the window back: nothing of it is on disk, so nothing of it is said. */
  private fail (): void {
    try {
      this.store.rollback()
    } catch {}
    if (this.lazyTimer != null) {
      clearTimeout(this.lazyTimer)
      this.lazyTimer = undefined
    }
    this.open = false
    this.eager = false
    this.outbox.clear()
    const undos = this.undos.reverse()
    this.undos = []
    for (const undo of undos) {
      try { undo() } catch {}
    }
  }
}
