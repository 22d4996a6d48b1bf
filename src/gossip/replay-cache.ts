/**
 * Ids of messages seen recently, each kept for `ttlMs`, at most `maxEntries` (oldest dropped).
 * With the timestamp window it rejects replays: a message is either too old or remembered.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>()

  constructor (private readonly ttlMs: number, private readonly maxEntries = 200_000) {}

  /** Records `id`; false if it was already there (a replay). */
  add (id: string, now: number): boolean {
    this.expire(now)
    if (this.seen.has(id)) return false
    if (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next()
      if (oldest.done !== true) this.seen.delete(oldest.value)
    }
    this.seen.set(id, now + this.ttlMs)
    return true
  }

  get size (): number {
    return this.seen.size
  }

  private expire (now: number): void {
    // Insertion order is expiry order (one TTL for all), so stop at the first live entry.
    for (const [id, expiresAt] of this.seen) {
      if (expiresAt > now) break
      this.seen.delete(id)
    }
  }
}
