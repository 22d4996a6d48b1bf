import type { PeerAction, PeerState } from './table.js'

export type { PeerAction } from './table.js'

/**
 * What the protocol layer tells the reputation module, and asks of it. `Reputation`
 * (./reputation.ts) is the node's; tests may inject a recorder or `noReputation`.
 */
export interface ReputationHook {
  /** A first-hand observation about a peer. */
  report: (peerId: string, action: PeerAction, detail: string) => void
  /** The peer's application score for gossipsub (P5). */
  gossipScore: (peerId: string) => number
  /** How this node treats the peer (absent: everyone is neutral). */
  stateOf?: (peerId: string) => PeerState
  /** Results of the peer verified by other replicas (absent: none). */
  verified?: (peerId: string) => number
  /** How often an accepted lone result of the peer is re-run elsewhere (absent: never). */
  spotCheckProbability?: (peerId: string) => number
}

export const noReputation: ReputationHook = {
  report: () => {},
  gossipScore: () => 0
}
