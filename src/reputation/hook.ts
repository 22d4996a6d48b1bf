/**
 * What the protocol layer tells the reputation module, and asks of it. A no-op until the
 * reputation issue lands; tests inject a recorder.
 */
export type PeerAction = 'invalid_message' | 'rate_limit_abuse' | 'lease_expired'

export interface ReputationHook {
  /** A first-hand observation about a peer. */
  report: (peerId: string, action: PeerAction, detail: string) => void
  /** The peer's application score for gossipsub (P5). */
  gossipScore: (peerId: string) => number
}

export const noReputation: ReputationHook = {
  report: () => {},
  gossipScore: () => 0
}
