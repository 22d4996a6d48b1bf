import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterEach, describe, expect, it } from 'vitest'
import { MeshClient } from '../../src/client.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

/** /metrics of a node's API, parsed as Prometheus text: each family's type and its samples' sum. */
async function scrape (client: MeshClient): Promise<Map<string, { type: string, sum: number }>> {
  const text = new TextDecoder().decode(await client.api.getBytes('/metrics'))
  const families = new Map<string, { type: string, sum: number }>()
  for (const family of parsePrometheusTextFormat(text)) {
    families.set(family.name, { type: family.type, sum: family.metrics.reduce((sum, m) => sum + Number(m.value ?? 0), 0) })
  }
  return families
}

describe('/metrics', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('parses as Prometheus text with the documented families, and its counters move when tasks run', async () => {
    const owner = await mesh.node({ api: '127.0.0.1:0', heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    const client = await MeshClient.connect({ dataDir: owner.config.dataDir })
    await expect.poll(async () => (await client.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')

    const before = await scrape(client)
    // The README's list, each with its type.
    const documented: Record<string, string> = {
      mesh_gossip_messages_total: 'COUNTER',
      mesh_direct_messages_total: 'COUNTER',
      mesh_peers: 'GAUGE',
      mesh_blob_transfers_total: 'COUNTER',
      mesh_blob_bytes_total: 'COUNTER',
      mesh_inbound_connections_refused_total: 'COUNTER',
      mesh_connections: 'GAUGE',
      mesh_relay_reservations_held: 'GAUGE',
      mesh_relay_reservations_served: 'GAUGE',
      mesh_relayed_bytes_total: 'COUNTER'
    }
    for (const [name, type] of Object.entries(documented)) expect(before.get(name)?.type, name).toBe(type)
    expect(before.get('mesh_connections')?.sum).toBeGreaterThanOrEqual(1)

    const batch = await client.submitMany({ kind: 'echo' }, Array.from({ length: 20 }, (_, i) => `metrics ${i}`))
    let done = 0
    for await (const result of client.results(batch.key)) if (result.state === 'succeeded') done++
    expect(done).toBe(20)

    const after = await scrape(client)
    // Claims and results came in over the lease stream; heartbeats and announcements over gossip.
    expect(after.get('mesh_direct_messages_total')?.sum).toBeGreaterThan((before.get('mesh_direct_messages_total')?.sum ?? 0) + 20)
    expect(after.get('mesh_gossip_messages_total')?.sum).toBeGreaterThan(before.get('mesh_gossip_messages_total')?.sum ?? 0)
  })
})
