/**
 * How many leases a worker may give back to this owner before each release costs it. A drain
 * gives back every lease it holds, once; a claim-then-release loop gives back the same one or
 * two again and again. So each worker has a token bucket whose size is a base allowance plus the
 * most leases it has held here at once, refilled slowly: a drain of any size fits, a loop runs
 * dry after a few rounds. Pure apart from the time passed in; bounded (oldest worker dropped).
 */

export interface ReleaseAllowanceSettings {
  /** Releases allowed beyond the most leases the worker has held at once. */
  base: number
  /** Tokens regained per hour. */
  refillPerHour: number
  maxWorkers: number
}

export const DEFAULT_RELEASE_ALLOWANCE: ReleaseAllowanceSettings = { base: 8, refillPerHour: 8, maxWorkers: 10_000 }

interface Bucket {
  tokens: number
  at: number
  peak: number
}

export class ReleaseAllowance {
  private readonly buckets = new Map<string, Bucket>()

  constructor (private readonly settings: ReleaseAllowanceSettings = DEFAULT_RELEASE_ALLOWANCE) {}

  /** A release by `worker`, which held `held` live leases here just before it: true while within its allowance. */
  take (worker: string, now: number, held: number): boolean {
    let bucket = this.buckets.get(worker)
    if (bucket == null) {
      if (this.buckets.size >= this.settings.maxWorkers) this.buckets.delete(this.buckets.keys().next().value as string)
      bucket = { tokens: this.settings.base + held, at: now, peak: held }
      this.buckets.set(worker, bucket)
    }
    bucket.peak = Math.max(bucket.peak, held)
    const capacity = this.settings.base + bucket.peak
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.settings.refillPerHour / 3_600_000)
    bucket.at = now
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}
