import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { Reachability, RelayProbe } from './reachability.js'
import type { MeshLibp2p } from './libp2p.js'

/** The circuit relay v2 protocol a relay serves reservations on (libp2p's RELAY_V2_HOP_CODEC). */
export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
/** Relays avoided at once at most (a stream of new relay identities that refuse cannot grow it). */
const MAX_AVOIDED = 256

/**
 * Whether a connection runs through a relay. Its address says so (`/p2p-circuit`); `limits` does
 * not always: a relay that grants no limits gives a relayed connection without them.
 */
export function isRelayed (connection: { remoteAddr: Multiaddr }): boolean {
  return connection.remoteAddr.getComponents().some(c => c.name === 'p2p-circuit')
}

export interface RelayKeeperInit {
  libp2p: MeshLibp2p
  /** Whether this node can be dialled (./reachability.ts): only a private node takes reservations. */
  reachability: () => Reachability
  clock: Clock
  logger: Logger
  /** Relays to hold reservations on (two: one can stop without the node becoming unreachable). */
  wanted?: number
  /** How often to look; a relay that refused is not asked again for `retryMs`. */
  tickMs?: number
  retryMs?: number
  /** Whether a relay forwards (ReachabilityCheck.probeRelay); without it relays are not checked. */
  probe?: (relay: string) => Promise<RelayProbe>
  /** Each held relay is checked this soon after its reservation, then this often. */
  probeMs?: number
  /** A relay found not forwarding is left (its connection closed) and not used again for this long. */
  avoidMs?: number
}

/** A relay this node does not reserve on for now, why, and for how much longer. */
export interface AvoidedRelay {
  peerId: string
  reason: 'refused' | 'not forwarding'
  remainingMs: number
}

interface Avoidance {
  reason: AvoidedRelay['reason']
  untilMs: number
}

interface TransportManager {
  listen: (addrs: Multiaddr[]) => Promise<void>
}

/**
 * Keeps a private node reachable (issue 14): it holds reservations on `wanted` relays among its
 * connected peers that serve the relay protocol (bootstrap nodes run with `--relay` are the
 * natural ones), so its relayed addresses (`<relay>/p2p-circuit/p2p/<self>`) are in what it
 * tells peers (identify, heartbeats) and owners and workers can reach it through them. When a
 * relay goes (its connection closes, its reservation ends), libp2p drops its address and the
 * next tick reserves on another. A relay that keeps its connection and reservation but does not
 * forward (connections to this node through it fail, as two peers asked to dial through it say)
 * is left: its connection closed, and no reservation on it for `avoidMs`.
 */
export class RelayKeeper {
  private readonly wanted: number
  private readonly retryMs: number
  private readonly probeMs: number
  private readonly avoidMs: number
  private readonly avoided = new Map<string, Avoidance>()
  /** When each held relay was last checked (first seen held: due at once). */
  private readonly checkedAt = new Map<string, number>()
  private readonly reserving = new Set<string>()
  private probing = false
  private running = false
  private timer?: unknown

  constructor (private readonly init: RelayKeeperInit) {
    this.wanted = init.wanted ?? 2
    this.retryMs = init.retryMs ?? 60_000
    this.probeMs = init.probeMs ?? 120_000
    this.avoidMs = init.avoidMs ?? 10 * 60_000
  }

  start (): void {
    this.running = true
    this.timer ??= this.init.clock.setInterval(() => { void this.tick(); void this.checkOne() }, this.init.tickMs ?? 3_000)
  }

  /** Stops the ticks; a reservation or check under way finishes without acting on its outcome. */
  stop (): void {
    this.running = false
    if (this.timer != null) this.init.clock.clearInterval(this.timer)
    this.timer = undefined
  }

  /** Peer ids of the relays this node listens on now. */
  relays (): string[] {
    const ids = new Set<string>()
    for (const addr of this.relayAddrs()) {
      const relay = addr.split('/p2p-circuit')[0]?.split('/p2p/')[1]
      if (relay != null) ids.add(relay)
    }
    return [...ids]
  }

  /** Relays this node does not reserve on for now (refused it, or did not forward). */
  avoidedRelays (): AvoidedRelay[] {
    const now = this.init.clock.now()
    this.forgetExpired(now)
    return [...this.avoided].map(([peerId, { reason, untilMs }]) => ({ peerId, reason, remainingMs: untilMs - now }))
  }

  /** This node's relayed addresses. */
  relayAddrs (): string[] {
    return this.init.libp2p.getMultiaddrs().map(a => a.toString()).filter(a => a.includes('/p2p-circuit'))
  }

  /**
   * Takes one more reservation if the node is private and holds fewer than `wanted`: one at a
   * time (two listens on relays started together left the second without a reservation).
   */
  async tick (): Promise<void> {
    if (!this.running || this.init.reachability() !== 'private' || this.reserving.size > 0) return
    const held = new Set(this.relays())
    if (held.size >= this.wanted) return
    const now = this.init.clock.now()
    const { libp2p } = this.init
    for (const connection of libp2p.getConnections()) {
      const peer = connection.remotePeer.toString()
      if (isRelayed(connection) || held.has(peer)) continue
      if ((this.avoided.get(peer)?.untilMs ?? -Infinity) > now) continue
      const protocols: string[] = await libp2p.peerStore.get(connection.remotePeer).then(p => p.protocols, () => [])
      if (!protocols.includes(HOP_PROTOCOL)) continue
      await this.reserve(peer, connection.remoteAddr)
      return
    }
  }

  private async reserve (relay: string, addr: Multiaddr): Promise<void> {
    this.reserving.add(relay)
    try {
      const transports = (this.init.libp2p as unknown as { components: { transportManager: TransportManager } }).components.transportManager
      await transports.listen([multiaddr(`${addr.decapsulateCode(CODE_P2P).toString()}/p2p/${relay}/p2p-circuit`)])
      this.init.logger.info({ relay }, 'reachable through a relay (this node cannot be dialled directly)')
    } catch (err) {
      this.avoid(relay, 'refused', this.retryMs)
      this.init.logger.debug({ relay, err: (err as Error).message }, 'no reservation on a relay')
    } finally {
      this.reserving.delete(relay)
    }
  }

  /**
   * Checks one held relay that is due (probeMs since its last check; at once when newly held):
   * one check at a time. A relay found not forwarding is left and avoided.
   */
  async checkOne (): Promise<void> {
    const probe = this.init.probe
    if (probe == null || this.probing || !this.running) return
    const held = this.relays()
    for (const relay of this.checkedAt.keys()) if (!held.includes(relay)) this.checkedAt.delete(relay)
    const now = this.init.clock.now()
    const due = held.find(relay => now - (this.checkedAt.get(relay) ?? -Infinity) >= this.probeMs)
    if (due == null) return
    this.probing = true
    try {
      const result = await probe(due)
      if (!this.running) return
      this.checkedAt.set(due, this.init.clock.now())
      if (result !== 'not forwarding') return
      this.avoid(due, 'not forwarding', this.avoidMs)
      this.checkedAt.delete(due)
      this.init.logger.warn({ relay: due }, 'a relay holds this node\'s reservation but does not forward connections to it: leaving it')
      await this.init.libp2p.hangUp(peerIdFromString(due)).catch(() => {})
    } catch (err) {
      this.init.logger.debug({ relay: due, err: (err as Error).message }, 'relay check failed')
    } finally {
      this.probing = false
    }
  }

  private avoid (relay: string, reason: Avoidance['reason'], forMs: number): void {
    const now = this.init.clock.now()
    this.forgetExpired(now)
    this.avoided.delete(relay)
    this.avoided.set(relay, { reason, untilMs: now + forMs })
    while (this.avoided.size > MAX_AVOIDED) this.avoided.delete(this.avoided.keys().next().value as string)
  }

  private forgetExpired (now: number): void {
    for (const [peer, entry] of this.avoided) if (entry.untilMs <= now) this.avoided.delete(peer)
  }
}
