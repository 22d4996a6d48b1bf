import { networkInterfaces } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import type { MeshNode } from '../../src/node/mesh-node.js'
import { TestMesh } from '../helpers/nodes.js'

// Loopback only (::1): the test sends no traffic off the machine.
const hasIPv6Loopback = Object.values(networkInterfaces()).some(list => list?.some(entry => entry.family === 'IPv6' && entry.address === '::1') === true)
if (!hasIPv6Loopback) console.log('ipv6.test: skipped, this host has no IPv6 loopback address (::1)')

describe.runIf(hasIPv6Loopback)('IPv6 next to IPv4', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('a node listening on IPv4 and IPv6 is joined over IPv6 and runs the joiner\'s task', async () => {
    const worker = await mesh.node({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0'], heartbeatMs: 200 })
    const ip6 = worker.status().addrs.find(a => a.startsWith('/ip6/::1/tcp/'))
    expect(ip6, 'the node listens on ::1').toBeDefined()
    expect(worker.status().addrs.some(a => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)

    const owner = await mesh.node({ listen: ['/ip6/::1/tcp/0'], heartbeatMs: 200, worker: false, bootstrap: [ip6 as string] })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')
    const remotes = owner.libp2p.getConnections().filter(c => c.remotePeer.toString() === worker.peerId).map(c => c.remoteAddr.toString())
    expect(remotes.length).toBeGreaterThan(0)
    expect(remotes.every(a => a.startsWith('/ip6/::1/tcp/'))).toBe(true)

    const [id] = await owner.tasks.submit({ kind: 'echo', input: 'over v6' })
    await expect.poll(() => state(owner, id as string), { timeout: 30_000 }).toBe('succeeded')
    expect(new TextDecoder().decode(owner.tasks.output(id as string))).toBe('over v6')
  })
})

function state (node: MeshNode, id: string): string | undefined {
  return (node.tasks.get(id) as { state?: string } | undefined)?.state
}
