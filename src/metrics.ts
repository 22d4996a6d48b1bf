import { Counter, Gauge, Registry } from 'prom-client'

/** Per-node Prometheus metrics: each node has its own registry (no global default registry). */
export interface MeshMetrics {
  registry: Registry
  /** Gossip messages by topic name and validation outcome. */
  gossipMessages: Counter<'topic' | 'result' | 'reason'>
  /** Point-to-point messages by type and outcome. */
  directMessages: Counter<'type' | 'result' | 'reason'>
  peers: Gauge<'state'>
  /** Blob transfers by direction (in: fetched, out: served) and result. */
  blobTransfers: Counter<'direction' | 'result'>
  blobBytes: Counter<'direction'>
  /** Inbound connections refused because their host or subnet held its share (./node/inbound-slots.ts). */
  inboundRefused: Counter<'reason'>
  /** Read when /metrics is scraped: what the running node's libp2p holds now (set at start, cleared at stop). */
  sources: ConnectionSources
  connections: Gauge<'kind'>
  relaysHeld: Gauge
  reservationsServed: Gauge
  relayedBytes: Counter<'direction'>
}

/** Figures read from the running node at scrape time (issue 14: connections you can see). */
export interface ConnectionSources {
  /** Open connections by kind: direct (one side dialled the other) or relayed (through a relay). */
  connections?: () => { direct: number, relayed: number }
  /** Reservations this node holds on relays (while it is private). */
  relaysHeld?: () => number
  /** Reservations this node grants as a relay (`--relay`). */
  reservationsServed?: () => number
  /** Bytes sent (out) and received (in) over relayed connections since start (./node/relayed-traffic.ts). */
  relayedBytes?: () => { in: number, out: number }
}

export function createMetrics (): MeshMetrics {
  const registry = new Registry()
  const sources: ConnectionSources = {}
  const connections = new Gauge({
    name: 'mesh_connections',
    help: 'Open connections by kind: direct, or relayed (through a circuit relay, limited in time and bytes)',
    labelNames: ['kind'],
    registers: [registry],
    collect () {
      const counts = sources.connections?.() ?? { direct: 0, relayed: 0 }
      this.set({ kind: 'direct' }, counts.direct)
      this.set({ kind: 'relayed' }, counts.relayed)
    }
  })
  const relaysHeld = new Gauge({
    name: 'mesh_relay_reservations_held',
    help: 'Reservations this node holds on relays (a node that cannot be dialled keeps 2)',
    registers: [registry],
    collect () { this.set(sources.relaysHeld?.() ?? 0) }
  })
  const reservationsServed = new Gauge({
    name: 'mesh_relay_reservations_served',
    help: 'Reservations this node grants as a relay (--relay)',
    registers: [registry],
    collect () { this.set(sources.reservationsServed?.() ?? 0) }
  })
  // A counter read from a running total (kept across restarts of a node object: it only grows);
  // prom-client counters only go up, so it adds what grew since the last scrape.
  const reported = { in: 0, out: 0 }
  const relayedBytes: Counter<'direction'> = new Counter({
    name: 'mesh_relayed_bytes_total',
    help: 'Bytes this node sent (out) and received (in) over relayed connections, encryption and framing included (what a relay\'s data limit counts)',
    labelNames: ['direction'],
    registers: [registry],
    collect () {
      const now = sources.relayedBytes?.()
      if (now == null) return
      for (const direction of ['in', 'out'] as const) {
        if (now[direction] < reported[direction]) reported[direction] = 0
        this.inc({ direction }, now[direction] - reported[direction])
        reported[direction] = now[direction]
      }
    }
  })
  return {
    registry,
    sources,
    relayedBytes,
    connections,
    relaysHeld,
    reservationsServed,
    gossipMessages: new Counter({
      name: 'mesh_gossip_messages_total',
      help: 'Gossip messages received, by topic and validation result (accept, ignore, reject) and reason',
      labelNames: ['topic', 'result', 'reason'],
      registers: [registry]
    }),
    directMessages: new Counter({
      name: 'mesh_direct_messages_total',
      help: 'Point-to-point lease messages received, by type and validation result and reason',
      labelNames: ['type', 'result', 'reason'],
      registers: [registry]
    }),
    peers: new Gauge({
      name: 'mesh_peers',
      help: 'Peers in the peer table by state',
      labelNames: ['state'],
      registers: [registry]
    }),
    blobTransfers: new Counter({
      name: 'mesh_blob_transfers_total',
      help: 'Blob transfers by direction (in: fetched from a peer, out: served to one) and result',
      labelNames: ['direction', 'result'],
      registers: [registry]
    }),
    blobBytes: new Counter({
      name: 'mesh_blob_bytes_total',
      help: 'Blob bytes transferred by direction',
      labelNames: ['direction'],
      registers: [registry]
    }),
    inboundRefused: new Counter({
      name: 'mesh_inbound_connections_refused_total',
      help: 'Inbound connections refused because their host or subnet held its share of the slots, by reason (per_host, per_subnet)',
      labelNames: ['reason'],
      registers: [registry]
    })
  }
}
