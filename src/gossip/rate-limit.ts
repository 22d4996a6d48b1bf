/**
 * Token buckets per key (peer, or peer and topic): `rate` tokens per second, up to `burst`.
 * Pure apart from the time passed in; at most `maxKeys` buckets, the oldest dropped first.
 */
export interface RateLimit {
  /** Sustained messages per second. */
  rate: number
  /** Messages allowed at once after a quiet spell. */
  burst: number
}

interface Bucket {
  tokens: number
  updatedAt: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()

  constructor (private readonly limit: RateLimit, private readonly maxKeys = 100_000) {}

  /** Takes `cost` tokens for `key` at time `now`; false when the bucket has too few. */
  take (key: string, now: number, cost = 1): boolean {
    let bucket = this.buckets.get(key)
    if (bucket == null) {
      if (this.buckets.size >= this.maxKeys) this.evictOldest()
      bucket = { tokens: this.limit.burst, updatedAt: now }
      this.buckets.set(key, bucket)
    } else {
      const elapsed = Math.max(0, now - bucket.updatedAt) / 1000
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + elapsed * this.limit.rate)
      bucket.updatedAt = now
    }
    if (bucket.tokens < cost) return false
    bucket.tokens -= cost
    return true
  }

  /** Whether `key` has a bucket (took a token and was not evicted since). */
  has (key: string): boolean {
    return this.buckets.has(key)
  }

  get size (): number {
    return this.buckets.size
  }

  /** Drops the bucket created first (Map keeps insertion order): O(1) however full the table is. */
  private evictOldest (): void {
    const oldest = this.buckets.keys().next()
    if (oldest.done !== true) this.buckets.delete(oldest.value)
  }
}
