import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { Reachability } from './reachability.js'
import type { MeshLibp2p } from './libp2p.js'

/** The circuit relay v2 protocol a relay serves reservations on (libp2p's RELAY_V2_HOP_CODEC). */
export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'

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
 * next tick reserves on another.
 */
export class RelayKeeper {
  private readonly wanted: number
  private readonly retryMs: number
  private readonly refusedAt = new Map<string, number>()
  private readonly reserving = new Set<string>()
  private timer?: unknown

  constructor (private readonly init: RelayKeeperInit) {
    this.wanted = init.wanted ?? 2
    this.retryMs = init.retryMs ?? 60_000
  }

  start (): void {
    this.timer ??= this.init.clock.setInterval(() => { void this.tick() }, this.init.tickMs ?? 3_000)
  }

  stop (): void {
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

  /** This node's relayed addresses. */
  relayAddrs (): string[] {
    return this.init.libp2p.getMultiaddrs().map(a => a.toString()).filter(a => a.includes('/p2p-circuit'))
  }

  /**
   * Takes one more reservation if the node is private and holds fewer than `wanted`: one at a
   * time (two listens on relays started together left the second without a reservation).
   */
  async tick (): Promise<void> {
    if (this.init.reachability() !== 'private' || this.reserving.size > 0) return
    const held = new Set(this.relays())
    if (held.size >= this.wanted) return
    const now = this.init.clock.now()
    const { libp2p } = this.init
    for (const connection of libp2p.getConnections()) {
      const peer = connection.remotePeer.toString()
      if (connection.limits != null || held.has(peer)) continue
      if (now - (this.refusedAt.get(peer) ?? -Infinity) < this.retryMs) continue
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
      this.refusedAt.set(relay, this.init.clock.now())
      this.init.logger.debug({ relay, err: (err as Error).message }, 'no reservation on a relay')
    } finally {
      this.reserving.delete(relay)
    }
  }
}
