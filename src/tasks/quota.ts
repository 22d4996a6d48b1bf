import type { TaskStore } from './store.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'

/** Bytes this node keeps for remote peers, in all and per peer (config: README "Storage quotas"). */
export interface QuotaLimits {
  /** Copies of inputs and modules fetched from owners, kept for their next tasks. */
  blobCacheBytes: number
  blobCachePerPeerBytes: number
  /** Results not yet acknowledged by their owners, with the large outputs kept for them to fetch. */
  undeliveredBytes: number
  undeliveredPerPeerBytes: number
}

export const DEFAULT_QUOTAS: QuotaLimits = {
  blobCacheBytes: 1024 ** 3,
  blobCachePerPeerBytes: 256 * 1024 ** 2,
  undeliveredBytes: 1024 ** 3,
  undeliveredPerPeerBytes: 256 * 1024 ** 2
}

export interface StorageQuotaInit {
  store: TaskStore
  limits: QuotaLimits
  reputation?: ReputationHook
  logger: Logger
}

/**
 * Quotas on what remote peers make a worker store (DESIGN invariant 11). Room is made before
 * anything is written: first from the peer's own share (its oldest data first), then, over the
 * total, from whichever peer holds the most. An owner whose undelivered results are dropped is
 * charged (`result_refused`): it took the leases and never took their results. Cached copies
 * are the worker's own choice, so dropping them costs their owner nothing.
 */
export class StorageQuota {
  constructor (private readonly init: StorageQuotaInit) {}

  /**
   * Makes room for a result of `bytes` (message and output) for `owner`. The result itself is
   * always kept: a single output is bounded by the blob limit, and it is the newest.
   */
  roomForResult (owner: string, bytes: number): void {
    const { store, limits } = this.init
    const usage = store.undeliveredUsage()
    const dropped = new Map<string, number>()
    this.makeRoom(usage, owner, bytes, limits.undeliveredPerPeerBytes, limits.undeliveredBytes, peer => {
      const evicted = store.evictUndelivered(peer)
      if (evicted?.undelivered === true) dropped.set(peer, (dropped.get(peer) ?? 0) + 1)
      return evicted?.bytes
    })
    for (const [peer, count] of dropped) {
      const detail = `${count} undelivered result(s) dropped: over this worker's quota of what it keeps unacknowledged`
      this.init.logger.warn({ owner: peer, dropped: count }, 'undelivered results dropped (quota)')
      this.init.reputation?.report(peer, 'result_refused', detail)
    }
  }

  /** Makes room for a copy of `bytes` fetched from `peer`; false: the copy is not to be kept. */
  roomForCache (peer: string, bytes: number): boolean {
    const { store, limits } = this.init
    if (bytes > Math.min(limits.blobCachePerPeerBytes, limits.blobCacheBytes)) return false
    this.makeRoom(store.cacheUsage(), peer, bytes, limits.blobCachePerPeerBytes, limits.blobCacheBytes, victim => store.evictCache(victim))
    return true
  }

  /** Evicts until `bytes` more for `peer` fit both quotas, or nothing is left to evict. */
  private makeRoom (usage: Map<string, number>, peer: string, bytes: number, perPeer: number, total: number, evict: (peer: string) => number | undefined): void {
    const take = (victim: string): boolean => {
      const freed = evict(victim)
      if (freed == null) {
        usage.delete(victim)
        return false
      }
      usage.set(victim, (usage.get(victim) ?? 0) - freed)
      return true
    }
    while ((usage.get(peer) ?? 0) + bytes > perPeer && take(peer));
    let sum = [...usage.values()].reduce((a, b) => a + b, 0)
    while (sum + bytes > total && usage.size > 0) {
      const largest = [...usage.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0]
      const before = usage.get(largest) ?? 0
      take(largest)
      sum -= before - (usage.get(largest) ?? 0)
    }
  }
}
