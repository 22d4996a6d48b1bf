import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { GOSSIP_TYPES, meshTopic } from '../../src/gossip/topics.js'
import { WORKED_TAG, WORKED_TAG_VALUE } from '../../src/node/peer-keeper.js'
import { TestNamespace } from '../helpers/netns.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { createStranger } from '../helpers/stranger.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/view.js'
import type { Libp2p } from '@libp2p/interface'

const ATTACKER = fileURLToPath(new URL('../fixtures/slot-attacker.mjs', import.meta.url))

/** The node's inbound connections, counted by remote IP address. */
function inboundByAddress (node: MeshNode): Map<string, number> {
  const counts = new Map<string, number>()
  for (const conn of node.libp2p.getConnections()) {
    if (conn.direction !== 'inbound') continue
    const host = conn.remoteAddr.getComponents()[0]?.value ?? ''
    counts.set(host, (counts.get(host) ?? 0) + 1)
  }
  return counts
}

/**
 * Connection slots (issue 12, attack 6): one host opens connections until the node's
 * `maxConnections` is full, and honest peers can no longer connect. The attacker is a child
 * process of npm libp2p packages (test/fixtures/slot-attacker.mjs) in a network namespace of its
 * own, with 10 addresses in one /24 and 2 in another, each dialling the node 10 times and
 * redialling what is closed every second (120 connections wanted; the node takes 60).
 * Must hold: the attacker gets at most 8 inbound connections per address and 32 per /24 (the
 * defaults), and an honest peer still connects. Before the fix the attacker held all 60 and the
 * honest peer was refused for 30 s; with it, the attacker holds 32 + 16 (8 on each address of
 * the second /24) and the honest peer connects at once.
 */
describe('connection slots', () => {
  const mesh = new TestMesh()
  let ns: TestNamespace | undefined
  const strangers: Libp2p[] = []
  afterEach(async () => {
    ns?.stop()
    ns = undefined
    await Promise.all(strangers.splice(0).map(async stranger => { await stranger.stop() }))
    await mesh.cleanup()
  })

  it('one host with 12 addresses in two /24s cannot fill the slots of a node with maxConnections 60', async () => {
    ns = TestNamespace.create([10, 2])
    const victim = await mesh.node({ maxConnections: 60, listen: ['/ip4/127.0.0.1/tcp/0', `/ip4/${ns.hostAddress}/tcp/0`] })
    const target = victim.status().addrs.find(addr => addr.includes(`/ip4/${ns?.hostAddress}/`)) as string
    const attacker = ns.spawnNode([ATTACKER, target, '10', ...ns.subnets.flat()])
    const rounds: Array<{ open: number, refused: number }> = []
    let stderr = ''
    attacker.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') rounds.push(JSON.parse(line) as { open: number, refused: number })
    })
    attacker.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    // Two rounds: every connection wanted was tried, and what was closed tried again.
    await expect.poll(() => rounds.length, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(2)
    expect(stderr).toBe('')

    const byAddress = inboundByAddress(victim)
    const fromSubnet = (addrs: string[]): number => addrs.reduce((n, addr) => n + (byAddress.get(addr) ?? 0), 0)
    console.log(`attacker rounds ${JSON.stringify(rounds)}; inbound from its first /24: ${fromSubnet(ns.subnets[0] ?? [])}, second: ${fromSubnet(ns.subnets[1] ?? [])}, largest per address: ${Math.max(...ns.subnets.flat().map(addr => byAddress.get(addr) ?? 0))}; connections in all: ${victim.libp2p.getConnections().length}`)

    const honest = await mesh.node({ bootstrap: [addrOf(victim)] })
    await expect.poll(() => victim.libp2p.getConnections(honest.libp2p.peerId).length, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0)

    const after = inboundByAddress(victim)
    for (const addr of ns.subnets.flat()) expect(after.get(addr) ?? 0).toBeLessThanOrEqual(8)
    for (const subnet of ns.subnets) expect(subnet.reduce((n, addr) => n + (after.get(addr) ?? 0), 0)).toBeLessThanOrEqual(32)
  }, 180_000)

  // Past maxConnections libp2p closes connections to the peers with the lowest sum of peer-store
  // tags first. The owner dials strangers one by one (its own dials are not refused), each dial
  // one connection over its limit of 4: the worker that ran its task must stay connected.
  it('past maxConnections, strangers\' connections are closed before that of a peer that did work', async () => {
    const owner = await mesh.node({ maxConnections: 4, worker: false, targetPeers: 0, heartbeatMs: 200 })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 30_000 }).toBe('alive')
    const [id] = await owner.tasks.submit({ kind: 'sleep', input: '10' })
    await expect.poll(() => (owner.tasks.get(id as string) as TaskView).state, { timeout: 30_000 }).toBe('succeeded')
    const workerId = worker.libp2p.peerId
    await expect.poll(async () => (await owner.libp2p.peerStore.get(workerId)).tags.get(WORKED_TAG)?.value, { timeout: 10_000 }).toBe(WORKED_TAG_VALUE)
    // On a large mesh most peers that did work are in none of this node's gossip meshes: drop
    // the tags gossipsub gave this one, so only the work ranks it above the strangers.
    await owner.libp2p.peerStore.merge(workerId, { tags: Object.fromEntries(GOSSIP_TYPES.map(type => [meshTopic(owner.config.network, type), undefined])) })

    for (let i = 0; i < 8; i++) {
      const stranger = await createStranger()
      strangers.push(stranger)
      await owner.libp2p.dial(stranger.getMultiaddrs()).catch(() => {})
      await expect.poll(() => owner.libp2p.getConnections().length, { timeout: 10_000 }).toBeLessThanOrEqual(4)
      expect(owner.libp2p.getConnections(workerId).length).toBeGreaterThan(0)
    }
    const connectedStrangers = strangers.filter(s => owner.libp2p.getConnections(s.peerId).length > 0).length
    console.log(`connections after 8 strangers: ${owner.libp2p.getConnections().length}, strangers among them ${connectedStrangers}, the worker's ${owner.libp2p.getConnections(workerId).length}`)
  }, 120_000)
})
