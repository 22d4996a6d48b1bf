import { MeshError } from '../errors.js'
import { LIMITS } from './wire/limits.js'

/**
 * The timing windows of gossip validation: how far ahead and how old a message's timestamp may
 * be, and how long gossipsub remembers a message id (its seen cache). Every node of a network
 * must use the same windows; the defaults are the protocol's (docs/PROTOCOL.md §6). Shorter ones
 * are for tests and simulations (MeshNodeDeps.gossipWindows), so nobody waits minutes for a
 * message to go stale.
 */
export interface GossipWindows {
  /** A message older than this is stale. */
  maxAgeMs: number
  /** Clock skew tolerated either way: ahead of now for the author, beyond the window for a relay. */
  futureSkewMs: number
  /** How long gossipsub keeps a message id: derived, never set (seenTtlMs). */
  seenTtlMs: number
  /** The longest heartbeat interval a peer is believed to keep (a longer claim is cut to it): how long a silent peer stays alive. */
  maxHeartbeatMs: number
}

/**
 * The seen cache must outlive every moment at which a copy of a message could still pass as
 * fresh, so that a replay is either a duplicate or refused as stale by whoever gets it: the
 * author's clock may be up to the skew ahead of ours, and a relayed copy is tolerated up to the
 * skew past the window. 180 s with the defaults.
 */
export function seenTtlMs (maxAgeMs: number, futureSkewMs: number): number {
  return maxAgeMs + 2 * futureSkewMs
}

/**
 * The longest heartbeat interval believed (and used by this node): 5 minutes, enough for 3,000
 * peers at 10 heartbeats a second (15,000 at 50). A peer that claims more (the wire allows an hour) is judged
 * by 5 minutes, so a made-up peer stays alive 25 minutes at most without a word.
 */
export const DEFAULT_MAX_HEARTBEAT_MS = 300_000

/** Validates the windows once; what is not given takes the protocol's default. */
export function compileGossipWindows ({ maxAgeMs = LIMITS.maxAgeMs, futureSkewMs = LIMITS.futureSkewMs, maxHeartbeatMs = DEFAULT_MAX_HEARTBEAT_MS }: { maxAgeMs?: number, futureSkewMs?: number, maxHeartbeatMs?: number } = {}): GossipWindows {
  if (!Number.isInteger(maxHeartbeatMs) || maxHeartbeatMs < LIMITS.minHeartbeatMs || maxHeartbeatMs > LIMITS.maxHeartbeatMs) {
    throw new MeshError('CONFIG_INVALID', `invalid gossip window: maxHeartbeatMs ${maxHeartbeatMs} (an integer from ${LIMITS.minHeartbeatMs} ms to ${LIMITS.maxHeartbeatMs} ms)`, {})
  }
  if (!Number.isInteger(maxAgeMs) || maxAgeMs < 100 || maxAgeMs > 24 * 3_600_000) {
    throw new MeshError('CONFIG_INVALID', `invalid gossip window: maxAgeMs ${maxAgeMs} (an integer from 100 ms to 24 h)`, {})
  }
  if (!Number.isInteger(futureSkewMs) || futureSkewMs < 0 || futureSkewMs > maxAgeMs) {
    throw new MeshError('CONFIG_INVALID', `invalid gossip window: futureSkewMs ${futureSkewMs} (an integer from 0 to maxAgeMs)`, {})
  }
  return { maxAgeMs, futureSkewMs, seenTtlMs: seenTtlMs(maxAgeMs, futureSkewMs), maxHeartbeatMs }
}

export const DEFAULT_GOSSIP_WINDOWS: GossipWindows = compileGossipWindows()
