import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'

const TASK = new Uint8Array(32).fill(5)

/** What a node hears on the cancel topic: "<author peer id> <reason>". */
function collect (node: MeshNode): string[] {
  const got: string[] = []
  node.protocol.on('cancel', (message, from) => { got.push(`${from} ${message.reason}`) })
  return got
}

/** Waits until every node has another as a subscriber of the cancel topic, so a publish reaches it. */
async function meshReady (nodes: MeshNode[]): Promise<void> {
  for (const node of nodes) {
    await expect.poll(() => node.libp2p.services.pubsub.getSubscribers(node.protocol.topicOf('cancel')).length, { timeout: 20_000, interval: 100 })
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
    const inboxes = nodes.map(collect)
    await meshReady(nodes)

    for (const [i, node] of nodes.entries()) await node.protocol.cancel([TASK], `hello from ${i}`)
    for (const [i, inbox] of inboxes.entries()) {
      const expected = nodes.flatMap((node, j) => j === i ? [] : [`${node.peerId} hello from ${j}`]).sort()
      await expect.poll(() => [...inbox].sort(), { timeout: 20_000 }).toEqual(expected)
    }
  })

  it('runs several nodes side by side in one process with nothing shared', async () => {
    const nodes = await Promise.all([0, 1, 2, 3].map(async () => await mesh.node()))
    expect(new Set(nodes.map(n => n.peerId)).size).toBe(4)
    expect(new Set(nodes.map(n => n.config.dataDir)).size).toBe(4)
    expect(new Set(nodes.map(n => n.logger)).size).toBe(4)
    expect(new Set(nodes.map(n => n.metrics.registry)).size).toBe(4)
    expect(new Set(nodes.map(n => n.protocol.peerTable)).size).toBe(4)
    // A handler registered on one node is that node's only.
    const [first, second, third] = nodes as [MeshNode, MeshNode, MeshNode, MeshNode]
    const heard = collect(second)
    await second.dial(addrOf(third))
    await meshReady([second, third])
    await third.protocol.cancel([TASK], 'to second')
    await expect.poll(() => heard, { timeout: 20_000 }).toEqual([`${third.peerId} to second`])
    // Stopping one leaves the others running and connected to each other.
    await first.stop()
    expect(first.isStarted).toBe(false)
    expect(second.status().peers).toBe(1)
  })

  it('keeps two networks apart even when their nodes are connected', async () => {
    const red1 = await mesh.node({ network: 'red' })
    const red2 = await mesh.node({ network: 'red', bootstrap: [addrOf(red1)] })
    const blue1 = await mesh.node({ network: 'blue', bootstrap: [addrOf(red1)] })
    const blue2 = await mesh.node({ network: 'blue', bootstrap: [addrOf(red1)] })
    await blue2.dial(addrOf(blue1))
    await red2.dial(addrOf(blue1))
    const redInbox = collect(red2)
    const blueInbox = collect(blue2)
    await meshReady([red1, red2, blue1, blue2])
    expect(red1.protocol.topicOf('cancel')).not.toBe(blue1.protocol.topicOf('cancel'))

    await blue1.protocol.cancel([TASK], 'blue says hi')
    await red1.protocol.cancel([TASK], 'red says hi')
    await expect.poll(() => blueInbox, { timeout: 20_000 }).toEqual([`${blue1.peerId} blue says hi`])
    await expect.poll(() => redInbox, { timeout: 20_000 }).toEqual([`${red1.peerId} red says hi`])
    // A later message on the same network still arrives, and nothing crossed over meanwhile.
    await blue1.protocol.cancel([TASK], 'blue again')
    await expect.poll(() => blueInbox.length, { timeout: 20_000 }).toBe(2)
    expect(redInbox).toEqual([`${red1.peerId} red says hi`])
  })
})
