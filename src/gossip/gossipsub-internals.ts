import type { GossipSub } from '@libp2p/gossipsub'

/**
 * The parts of gossipsub's implementation that its public `GossipSub` type leaves out. Declared
 * once here rather than cast at each use.
 */
export interface GossipsubInternals {
  getScore: (peerId: string) => number
  getMeshPeers: (topic: string) => string[]
  /** Message ids seen (gossipsub records an id before its topic validator runs). */
  seenCache: { entries: Map<string, unknown> }
  /** Fast ids of copies that passed the signature check (message-ids.ts), when fastMsgIdFn is set. */
  fastMsgIdCache?: { entries: Map<string, unknown> }
}

export function gossipsubInternals (pubsub: GossipSub): GossipsubInternals {
  return pubsub as unknown as GossipsubInternals
}
