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
}

export function createMetrics (): MeshMetrics {
  const registry = new Registry()
  return {
    registry,
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
