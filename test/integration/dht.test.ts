import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'

describe('Kademlia DHT discovery (--dht)', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('lets a node find a peer it was never told about through the network DHT', async () => {
    const hub = await mesh.node({ dht: true })
    const b = await mesh.node({ dht: true, bootstrap: [addrOf(hub)] })
    const c = await mesh.node({ dht: true, bootstrap: [addrOf(hub)] })
    for (const node of [b, c]) {
      await expect.poll(async () => (await node.peers()).some(p => p.peerId === hub.peerId && p.connected), { timeout: 20_000 }).toBe(true)
    }
    // Identify tells the hub that both speak this network's DHT protocol.
    expect(hub.libp2p.getProtocols()).toContain('/mesh-node/mesh/kad/1')
    for (const node of [b, c]) {
      await expect.poll(async () => (await hub.libp2p.peerStore.get(peerIdFromString(node.peerId))).protocols, { timeout: 20_000 })
        .toContain('/mesh-node/mesh/kad/1')
    }

    expect((await c.peers()).map(p => p.peerId)).not.toContain(b.peerId)
    const found = await c.libp2p.peerRouting.findPeer(peerIdFromString(b.peerId), { signal: AbortSignal.timeout(20_000) })
    expect(found.multiaddrs.map(a => a.toString())).toContain(addrOf(b).replace(`/p2p/${b.peerId}`, ''))
  })
})
