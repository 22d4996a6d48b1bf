import type { Heartbeat } from './wire/mesh.js'

/**
 * What a node knows of its peers from their heartbeats: alive, then suspect after 3 missed
 * heartbeats, then gone after 5 (each peer's own announced interval, at most `maxIntervalMs`).
 * Pure: time and connections are passed in.
 *
 * A heartbeat is signed by its author but can come through anyone, and keys are free: one
 * connection can relay heartbeats of any number of made-up authors. So only peers this node has
 * a connection to count as capacity (`capacity()`, what owners and workers decide by), and of
 * the peers only heard of, at most `maxHeardOf` are kept: a new one takes the place of the
 * longest-silent stranger, never of a peer that did work with this node (`isValued`).
 */
export type PeerState = 'alive' | 'suspect' | 'gone'

export const SUSPECT_AFTER_MISSED = 3
export const GONE_AFTER_MISSED = 5

export interface Capability {
  kind: string
  deterministic: boolean
}

export interface PeerRecord {
  peerId: string
  lastSeen: number
  intervalMs: number
  capabilities: Capability[]
  slotsFree: number
  slotsTotal: number
  memoryFree: number
  load: number
  agent: string
  state: PeerState
  /** Whether this node has a connection to the peer now. */
  connected: boolean
}

export interface PeerTransition {
  peerId: string
  from: PeerState | 'unknown'
  to: PeerState
}

export interface PeerTableInit {
  /** How long a gone peer stays listed before it is forgotten. */
  forgetGoneAfterMs?: number
  /** All records, connected or not. */
  maxPeers?: number
  /** Records of peers this node has no connection to. */
  maxHeardOf?: number
  /** The longest heartbeat interval believed: a longer claim is cut to it. */
  maxIntervalMs?: number
  /** Peers whose record outranks a stranger's (they did work with this node). */
  isValued?: (peerId: string) => boolean
}

/** At most this many peers only heard of (no connection) are kept in the table. */
export const MAX_HEARD_OF = 50

export function stateAt (record: Pick<PeerRecord, 'lastSeen' | 'intervalMs'>, now: number): PeerState {
  const silentFor = now - record.lastSeen
  if (silentFor > GONE_AFTER_MISSED * record.intervalMs) return 'gone'
  if (silentFor > SUSPECT_AFTER_MISSED * record.intervalMs) return 'suspect'
  return 'alive'
}

export class PeerTable {
  private readonly peers = new Map<string, PeerRecord>()
  /** Peers with a connection now, recorded or not (a heartbeat may come after the connection). */
  private readonly connections = new Set<string>()
  private heardOf = 0
  private readonly forgetGoneAfterMs: number
  private readonly maxPeers: number
  private readonly maxHeardOf: number
  private readonly maxIntervalMs: number
  private readonly isValued: (peerId: string) => boolean

  constructor (init: PeerTableInit = {}) {
    this.forgetGoneAfterMs = init.forgetGoneAfterMs ?? 10 * 60_000
    this.maxPeers = init.maxPeers ?? 20_000
    this.maxHeardOf = init.maxHeardOf ?? MAX_HEARD_OF
    this.maxIntervalMs = init.maxIntervalMs ?? Infinity
    this.isValued = init.isValued ?? (() => false)
  }

  /**
   * Records a validated heartbeat. `admitted` is false when the author was not recorded (a
   * stranger heard of while the heard-of places are full of peers at least as worth keeping);
   * `change` is the transition when the peer was not alive before.
   */
  observe (peerId: string, heartbeat: Heartbeat, now: number): { admitted: boolean, change?: PeerTransition } {
    const before = this.peers.get(peerId)
    const connected = this.connections.has(peerId)
    if (before == null) {
      if (!connected && this.heardOf >= this.maxHeardOf && !this.evictHeardOf(this.isValued(peerId))) return { admitted: false }
      if (this.peers.size >= this.maxPeers) this.evictOne()
      if (!connected) this.heardOf++
    }
    this.peers.set(peerId, {
      peerId,
      lastSeen: now,
      intervalMs: Math.min(heartbeat.intervalMs, this.maxIntervalMs),
      capabilities: heartbeat.capabilities.map(c => ({ kind: c.kind, deterministic: c.deterministic })),
      slotsFree: heartbeat.slotsFree,
      slotsTotal: heartbeat.slotsTotal,
      memoryFree: heartbeat.memoryFree,
      load: heartbeat.loadMilli / 1000,
      agent: heartbeat.agent,
      state: 'alive',
      connected
    })
    return before?.state === 'alive' ? { admitted: true } : { admitted: true, change: { peerId, from: before?.state ?? 'unknown', to: 'alive' } }
  }

  /** A connection to the peer opened (true) or its last one closed (false). */
  setConnected (peerId: string, connected: boolean): void {
    if (connected) this.connections.add(peerId)
    else this.connections.delete(peerId)
    const record = this.peers.get(peerId)
    if (record == null || record.connected === connected) return
    record.connected = connected
    this.heardOf += connected ? -1 : 1
    // A peer that went away is heard of now, and may have to make room (or be the one to go).
    if (this.heardOf > this.maxHeardOf) this.evictHeardOf(true)
  }

  isConnected (peerId: string): boolean {
    return this.connections.has(peerId)
  }

  /** Peers that count as capacity: alive, and with a connection to this node. */
  capacity (): PeerRecord[] {
    const found: PeerRecord[] = []
    for (const record of this.peers.values()) if (record.connected && record.state === 'alive') found.push(record)
    return found
  }

  /** Moves peers that fell silent to suspect or gone, forgets long-gone ones; returns what changed. */
  sweep (now: number): PeerTransition[] {
    const changes: PeerTransition[] = []
    for (const record of this.peers.values()) {
      const state = stateAt(record, now)
      if (state === 'gone' && now - record.lastSeen > GONE_AFTER_MISSED * record.intervalMs + this.forgetGoneAfterMs) {
        this.remove(record)
        continue
      }
      if (state !== record.state) {
        changes.push({ peerId: record.peerId, from: record.state, to: state })
        record.state = state
      }
    }
    return changes
  }

  get (peerId: string): PeerRecord | undefined {
    return this.peers.get(peerId)
  }

  list (): PeerRecord[] {
    return [...this.peers.values()]
  }

  /** Peers heard from and not gone: the mesh size a node plans its heartbeat interval by. */
  liveCount (): number {
    let count = 0
    for (const record of this.peers.values()) if (record.state !== 'gone') count++
    return count
  }

  /** Peers heard from but without a connection, the number `maxHeardOf` bounds. */
  heardOfCount (): number {
    return this.heardOf
  }

  private remove (record: PeerRecord): void {
    this.peers.delete(record.peerId)
    if (!record.connected) this.heardOf--
  }

  /**
   * Makes room among the heard-of peers: drops the longest-silent stranger, or, for a newcomer
   * worth keeping (`forValued`), the longest-silent of any. One pass over the table, which holds
   * the connected peers and at most `maxHeardOf` others; only a new author that is not connected
   * pays it, and the connection that relays it has a budget for those (MeshProtocol).
   */
  private evictHeardOf (forValued: boolean): boolean {
    let stranger: PeerRecord | undefined
    let any: PeerRecord | undefined
    for (const record of this.peers.values()) {
      if (record.connected) continue
      if (any == null || record.lastSeen < any.lastSeen) any = record
      if (!this.isValued(record.peerId) && (stranger == null || record.lastSeen < stranger.lastSeen)) stranger = record
    }
    const victim = stranger ?? (forValued ? any : undefined)
    if (victim == null) return false
    this.remove(victim)
    return true
  }

  private evictOne (): void {
    let oldest: PeerRecord | undefined
    for (const record of this.peers.values()) if (oldest == null || record.lastSeen < oldest.lastSeen) oldest = record
    if (oldest != null) this.remove(oldest)
  }
}

/**
 * The heartbeat interval rule: every node hears from at most `maxPerSecond` heartbeats a second
 * whatever the mesh size, so the interval widens once N peers exceed base x maxPerSecond.
 */
export function heartbeatInterval (baseMs: number, livePeers: number, maxPerSecond: number): number {
  return Math.max(baseMs, Math.ceil((livePeers / maxPerSecond) * 1000))
}
