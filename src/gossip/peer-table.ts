import type { Heartbeat } from './wire/mesh.js'

/**
 * What a node knows of its peers from their heartbeats: alive, then suspect after 3 missed
 * heartbeats, then gone after 5 (each peer's own announced interval). Pure: time is passed in.
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
}

export interface PeerTransition {
  peerId: string
  from: PeerState | 'unknown'
  to: PeerState
}

export interface PeerTableInit {
  /** How long a gone peer stays listed before it is forgotten. */
  forgetGoneAfterMs?: number
  maxPeers?: number
}

export function stateAt (record: Pick<PeerRecord, 'lastSeen' | 'intervalMs'>, now: number): PeerState {
  const silentFor = now - record.lastSeen
  if (silentFor > GONE_AFTER_MISSED * record.intervalMs) return 'gone'
  if (silentFor > SUSPECT_AFTER_MISSED * record.intervalMs) return 'suspect'
  return 'alive'
}

export class PeerTable {
  private readonly peers = new Map<string, PeerRecord>()
  private readonly forgetGoneAfterMs: number
  private readonly maxPeers: number

  constructor (init: PeerTableInit = {}) {
    this.forgetGoneAfterMs = init.forgetGoneAfterMs ?? 10 * 60_000
    this.maxPeers = init.maxPeers ?? 20_000
  }

  /** Records a validated heartbeat; returns the transition when the peer was not alive before. */
  observe (peerId: string, heartbeat: Heartbeat, now: number): PeerTransition | undefined {
    const before = this.peers.get(peerId)
    if (before == null && this.peers.size >= this.maxPeers) this.evictOne()
    this.peers.set(peerId, {
      peerId,
      lastSeen: now,
      intervalMs: heartbeat.intervalMs,
      capabilities: heartbeat.capabilities.map(c => ({ kind: c.kind, deterministic: c.deterministic })),
      slotsFree: heartbeat.slotsFree,
      slotsTotal: heartbeat.slotsTotal,
      memoryFree: heartbeat.memoryFree,
      load: heartbeat.loadMilli / 1000,
      agent: heartbeat.agent,
      state: 'alive'
    })
    return before?.state === 'alive' ? undefined : { peerId, from: before?.state ?? 'unknown', to: 'alive' }
  }

  /** Moves peers that fell silent to suspect or gone, forgets long-gone ones; returns what changed. */
  sweep (now: number): PeerTransition[] {
    const changes: PeerTransition[] = []
    for (const record of this.peers.values()) {
      const state = stateAt(record, now)
      if (state === 'gone' && now - record.lastSeen > GONE_AFTER_MISSED * record.intervalMs + this.forgetGoneAfterMs) {
        this.peers.delete(record.peerId)
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

  private evictOne (): void {
    let oldest: PeerRecord | undefined
    for (const record of this.peers.values()) if (oldest == null || record.lastSeen < oldest.lastSeen) oldest = record
    if (oldest != null) this.peers.delete(oldest.peerId)
  }
}

/**
 * The heartbeat interval rule: every node hears from at most `maxPerSecond` heartbeats a second
 * whatever the mesh size, so the interval widens once N peers exceed base x maxPerSecond.
 */
export function heartbeatInterval (baseMs: number, livePeers: number, maxPerSecond: number): number {
  return Math.max(baseMs, Math.ceil((livePeers / maxPerSecond) * 1000))
}
