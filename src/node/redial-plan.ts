/**
 * Which remembered peers a node dials, and when: the pure half of the PeerKeeper
 * (./peer-keeper.ts). Time is passed in; nothing here does I/O.
 */

/** What a node remembers of a peer it is not connected to, for ranking. */
export interface KnownPeer {
  peerId: string
  /** When this peer last did work with this node (a grant or a result between them), or null. */
  workedAt: number | null
  /** When this node was last connected to it, or null. */
  lastConnectedAt: number | null
}

/** Per-peer dial state: failures since the last connection, and when the next dial is due. */
export interface DialRecord {
  failures: number
  nextDialAt: number
}

export interface BackoffSettings {
  initialMs: number
  maxMs: number
}

/**
 * Delay after the n-th failed dial in a row (n >= 1): initial x 2^(n-1), capped, with +-20 %
 * jitter so that the peers of a node that went away do not all redial it in step.
 */
export function redialBackoff (failures: number, settings: BackoffSettings, random: () => number): number {
  const base = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.min(30, Math.max(0, failures - 1)))
  return Math.round(base * (0.8 + 0.4 * random()))
}

/**
 * Best first: peers that did work with this node (most recent first), then peers it was
 * connected to (most recent first), then strangers; ties by peer id so the order is stable.
 */
export function compareKnownPeers (a: KnownPeer, b: KnownPeer): number {
  return (b.workedAt ?? -1) - (a.workedAt ?? -1) ||
    (b.lastConnectedAt ?? -1) - (a.lastConnectedAt ?? -1) ||
    a.peerId.localeCompare(b.peerId)
}

export interface DialPlanInput {
  now: number
  /** Peers this node's work needs (owners of leases it holds or results it keeps; workers holding its leases). */
  wanted: readonly string[]
  /** Remembered peers, any order. */
  known: readonly KnownPeer[]
  connected: ReadonlySet<string>
  inFlight: ReadonlySet<string>
  records: ReadonlyMap<string, DialRecord>
  /** Peers never to dial (this node itself, banned peers). */
  excluded: (peerId: string) => boolean
  /** Connections wanted: below it, remembered peers are dialled too. */
  target: number
  /** Dials in flight at most. */
  maxInFlight: number
}

/**
 * The peers to dial now: every wanted peer whose dial is due, then, while the node has fewer
 * connections than its target, the best remembered peers whose dial is due — no more than the
 * connections missing, and never more dials in flight than the bound.
 */
export function planDials (input: DialPlanInput): string[] {
  const { now, connected, inFlight, records } = input
  let room = input.maxInFlight - input.inFlight.size
  if (room <= 0) return []
  const due = (peerId: string): boolean => !connected.has(peerId) && !inFlight.has(peerId) && !input.excluded(peerId) &&
    (records.get(peerId)?.nextDialAt ?? -Infinity) <= now
  const chosen: string[] = []
  const picked = new Set<string>()
  for (const peerId of input.wanted) {
    if (room <= 0) return chosen
    if (picked.has(peerId) || !due(peerId)) continue
    chosen.push(peerId)
    picked.add(peerId)
    room--
  }
  let missing = input.target - connected.size - inFlight.size - chosen.length
  if (missing <= 0) return chosen
  for (const peer of [...input.known].sort(compareKnownPeers)) {
    if (room <= 0 || missing <= 0) break
    if (picked.has(peer.peerId) || !due(peer.peerId)) continue
    chosen.push(peer.peerId)
    picked.add(peer.peerId)
    room--
    missing--
  }
  return chosen
}

/**
 * Which remembered peers to forget when there are more than `max`: strangers first (never
 * connected, no work), then the least recently connected; never a protected peer (connected,
 * wanted, a bootstrap peer).
 */
export function peersToForget (known: readonly KnownPeer[], max: number, protectedPeers: ReadonlySet<string>): string[] {
  const excess = known.length - max
  if (excess <= 0) return []
  return known
    .filter(peer => !protectedPeers.has(peer.peerId))
    .sort(compareKnownPeers)
    .reverse()
    .slice(0, excess)
    .map(peer => peer.peerId)
}
