import { open, type FileHandle } from 'node:fs/promises'

/**
 * Durability off the event loop. The store commits with `synchronous = NORMAL`: a commit is in
 * the WAL file in the OS, so it survives the process being killed at any moment, but not yet a
 * power cut. This class flushes the WAL file to the device (fdatasync) on libuv's thread pool, so
 * the node's one thread never waits on the disk:
 *
 * - `durable()` resolves once every commit made before the call is on the device. A submit's
 *   answer waits for it (owner-intake.ts): no client is told a task was accepted before it would
 *   survive a power cut; so do the owner's grants and acks with `syncLeaseMessages`
 *   (commit-window.ts; by default they wait for the commit only). Callers arriving while a flush
 *   runs share the next one, so under load one flush covers many commits.
 * - Every `intervalMs` a flush runs anyway, so writes nobody waits for (the lease transitions
 *   peers were told of, a worker's kept result) are on the device within about a second, as
 *   Redis's `appendfsync everysec`.
 *
 * SQLite's own checkpoints (WAL into the database file) still sync both files themselves.
 */
export class WalSync {
  private handle?: FileHandle
  private running?: Promise<void>
  private waiting: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  /** Called when the flush under way ends, before the next one starts (`afterFlush`). */
  private idle: Array<() => void> = []
  private readonly timer?: NodeJS.Timeout
  private closed = false

  /** `path` is the database file; its WAL is `${path}-wal`. Null for an in-memory database (nothing to flush). */
  constructor (private readonly path: string | null, intervalMs = 1000) {
    if (path != null) this.timer = setInterval(() => { this.flush() }, intervalMs).unref()
  }

  /** Resolves when what was committed before this call is on the device; rejects if the flush fails. */
  async durable (): Promise<void> {
    if (this.path == null || this.closed) return
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.flush()
    })
  }

  /**
   * Group commit's other half: while a flush runs, `fn` waits for it to end and is called then,
   * before the next flush starts, so what it commits joins that one; true if it waits. With no
   * flush under way it is not called (false): the caller commits at once. A write made during a
   * flush would wait for that flush and the next anyway before anyone may be told of it, so
   * holding it back costs nobody time, and the writes of the whole flush share one commit.
   */
  afterFlush (fn: () => void): boolean {
    if (this.running == null || this.closed) return false
    this.idle.push(fn)
    return true
  }

  /** Starts a flush unless one runs (it restarts for whoever waits when that one ends). */
  private flush (): void {
    if (this.running != null || this.path == null) return
    const batch = this.waiting
    this.waiting = []
    this.running = this.syncOnce().then(
      () => { for (const w of batch) w.resolve() },
      (err: Error) => { for (const w of batch) w.reject(err) }
    ).finally(() => {
      this.running = undefined
      for (const fn of this.idle.splice(0)) fn()
      if (this.waiting.length > 0) this.flush()
    })
  }

  private async syncOnce (): Promise<void> {
    if (this.closed) return
    if (this.handle == null) {
      try {
        this.handle = await open(`${this.path as string}-wal`, 'r')
      } catch {
        // No WAL yet (nothing written since the database opened): the database file is what holds the data.
        const db = await open(this.path as string, 'r')
        try { await db.datasync() } finally { await db.close() }
        return
      }
    }
    await this.handle.datasync()
  }

  /**
   * Stops the timer; whoever still waits is answered once the flush under way ends (closing the
   * database, after this, checkpoints and syncs what remains). The file handle closes then too.
   */
  close (): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    const release = (): void => {
      for (const w of this.waiting.splice(0)) w.resolve()
      void this.handle?.close().catch(() => {})
      this.handle = undefined
    }
    if (this.running != null) void this.running.finally(release)
    else release()
  }
}
