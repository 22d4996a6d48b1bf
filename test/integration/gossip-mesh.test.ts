import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { GossipMessage } from '../../src/gossip/gossip-bus.js'
import type { MeshNode } from '../../src/node/mesh-node.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const decode = (m: GossipMessage): string => new TextDecoder().decode(m.data)

function collect (node: MeshNode, name: string): GossipMessage[] {
  const got: GossipMessage[] = []
  node.gossip.subscribe(name, m => { got.push(m) })
  return got
}

/** Waits until every node has the others as gossip subscribers of the topic, so a publish reaches them. */
async function meshReady (nodes: MeshNode[], name: string): Promise<void> {
  for (const node of nodes) {
    await expect.poll(() => node.gossip.subscribers(name).length, { timeout: 20_000, interval: 100 })
      .toBeGreaterThanOrEqual(1)
  }
}

describe('gossip mesh on 127.0.0.1', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('3 nodes (one plain, two bootstrapping to it) form a mesh and each receives what another publishes', async () => {
    const a = await mesh.node()
    const b = await mesh.node({ bootstrap: [addrOf(a)] })
    const c = await mesh.node({ bootstrap: [addrOf(a)] })
    const nodes = [a, b, c]
    expect(a.libp2p.getProtocols()).toContain('/meshsub/1.2.0')
    expect(a.libp2p.getProtocols()).not.toContain('/floodsub/1.0.0')
    expect(a.libp2p.services.pubsub.globalSignaturePolicy).toBe('StrictSign')
    const inboxes = nodes.map(node => collect(node, 'chat'))
    await meshReady(nodes, 'chat')
    for (const node of nodes) await expect.poll(() => node.status().peers, { timeout: 20_000 }).toBeGreaterThanOrEqual(1)

    for (const [i, node] of nodes.entries()) {
      await node.gossip.publish('chat', text(`hello from ${i}`))
    }
    for (const [i, inbox] of inboxes.entries()) {
      const expected = nodes.map((_, j) => `hello from ${j}`).filter((_, j) => j !== i).sort()
      await expect.poll(() => inbox.map(decode).sort(), { timeout: 20_000 }).toEqual(expected)
      for (const message of inbox) {
        const author = nodes[Number(decode(message).slice(-1))]
        expect(message.from).toBe(author?.peerId)
      }
    }
  })

  it('runs several nodes side by side in one process with nothing shared', async () => {
    const nodes = await Promise.all([0, 1, 2, 3].map(async () => await mesh.node()))
    const ids = new Set(nodes.map(n => n.peerId))
    expect(ids.size).toBe(4)
    expect(new Set(nodes.map(n => n.config.dataDir)).size).toBe(4)
    expect(new Set(nodes.map(n => n.logger)).size).toBe(4)
    // Each node's libp2p and gossip bus are its own: a topic one node subscribes to is not another's.
    nodes[0]?.gossip.subscribe('only-zero', () => {})
    expect(nodes[0]?.libp2p.services.pubsub.getTopics()).toContain(nodes[0]?.gossip.topic('only-zero'))
    for (const other of nodes.slice(1)) expect(other.libp2p.services.pubsub.getTopics()).not.toContain(nodes[0]?.gossip.topic('only-zero'))
    // Stopping one leaves the others running and connected to each other.
    const [first, second, third] = nodes as [MeshNode, MeshNode, MeshNode, MeshNode]
    await second.dial(addrOf(third))
    await first.stop()
    expect(first.isStarted).toBe(false)
    await expect.poll(() => second.status().peers).toBe(1)
  })

  it('keeps two networks apart even when their nodes are connected', async () => {
    const red1 = await mesh.node({ network: 'red' })
    const red2 = await mesh.node({ network: 'red', bootstrap: [addrOf(red1)] })
    const blue1 = await mesh.node({ network: 'blue', bootstrap: [addrOf(red1)] })
    const blue2 = await mesh.node({ network: 'blue', bootstrap: [addrOf(red1)] })
    await blue2.dial(addrOf(blue1))
    await red2.dial(addrOf(blue1))
    const redInbox = collect(red2, 'chat')
    const blueInbox = collect(blue2, 'chat')
    collect(red1, 'chat')
    collect(blue1, 'chat')
    await meshReady([red1, red2, blue1, blue2], 'chat')
    expect(red1.gossip.topic('chat')).not.toBe(blue1.gossip.topic('chat'))

    await blue1.gossip.publish('chat', text('blue says hi'))
    await red1.gossip.publish('chat', text('red says hi'))
    await expect.poll(() => blueInbox.map(decode), { timeout: 20_000 }).toEqual(['blue says hi'])
    await expect.poll(() => redInbox.map(decode), { timeout: 20_000 }).toEqual(['red says hi'])
    // A later message on the same network still arrives, and nothing crossed over meanwhile.
    await blue1.gossip.publish('chat', text('blue again'))
    await expect.poll(() => blueInbox.map(decode), { timeout: 20_000 }).toEqual(['blue says hi', 'blue again'])
    expect(redInbox.map(decode)).toEqual(['red says hi'])
  })
})
