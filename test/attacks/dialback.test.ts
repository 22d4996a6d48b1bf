// What a stranger can make a node do through the reachability check (issue 14;
// docs/PROTOCOL.md, "dialback"): it makes the node dial. The node must dial only the stranger's
// own address, a few times, and charge it for bytes that are not a request.
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { dialBackProtocol } from '../../src/gossip/topics.js'
import { PROTOCOL_VERSION } from '../../src/gossip/wire/limits.js'
import { DialBackRequest, DialBackResponse, DialBackStatus } from '../../src/gossip/wire/mesh.js'
import { createStranger } from '../helpers/stranger.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { Connection, Libp2p } from '@libp2p/interface'

/** One request on a stream of its own; the answer, or undefined when the node reset the stream or sent none. */
async function ask (stranger: Libp2p, node: MeshNode, request: Uint8Array): Promise<DialBackResponse | undefined> {
  const stream = await stranger.dialProtocol(multiaddr(addrOf(node)), dialBackProtocol('mesh'))
  const lp = lpStream(stream)
  try {
    await lp.write(request)
    return DialBackResponse.decode((await lp.read({ signal: AbortSignal.timeout(15_000) })).subarray())
  } catch {
    return undefined
  } finally {
    await stream.close().catch(() => {})
  }
}

describe('dial-back requests from a stranger', () => {
  const mesh = new TestMesh()
  let stranger: Libp2p | undefined
  afterEach(async () => {
    await stranger?.stop()
    stranger = undefined
    await mesh.cleanup()
  })

  it('30 requests: the node dials back only the stranger\'s own address, at most 4 times (its burst), and answers the rest BUSY', async () => {
    const node = await mesh.node()
    stranger = await createStranger()
    const inbound: Connection[] = []
    stranger.addEventListener('connection:open', evt => { if (evt.detail.direction === 'inbound') inbound.push(evt.detail) })
    const port = Number(stranger.getMultiaddrs()[0]?.getComponents().find(c => c.name === 'tcp')?.value)
    const answers: Array<DialBackResponse | undefined> = []
    for (let i = 0; i < 30; i++) answers.push(await ask(stranger, node, DialBackRequest.encode({ version: PROTOCOL_VERSION, port })))
    const ok = answers.filter(a => a?.status === DialBackStatus.DIALBACK_OK)
    expect(ok).toHaveLength(4)
    expect(answers.filter(a => a?.status === DialBackStatus.DIALBACK_BUSY)).toHaveLength(26)
    // Each dial-back went to the address the stranger's connection came from, and it arrived.
    for (const answer of ok) expect(multiaddr(answer?.dialed as Uint8Array).toString()).toBe(`/ip4/127.0.0.1/tcp/${port}`)
    expect(inbound.map(c => c.remotePeer.toString())).toEqual([node.peerId, node.peerId, node.peerId, node.peerId])
  }, 60_000)

  it('a port where nothing listens is dialled at the stranger\'s address and answered FAILED; bytes that are not a request are charged', async () => {
    const node = await mesh.node()
    stranger = await createStranger()
    const failed = await ask(stranger, node, DialBackRequest.encode({ version: PROTOCOL_VERSION, port: 9 }))
    expect(failed?.status).toBe(DialBackStatus.DIALBACK_FAILED)
    expect(multiaddr(failed?.dialed as Uint8Array).toString()).toBe('/ip4/127.0.0.1/tcp/9')

    expect(await ask(stranger, node, DialBackRequest.encode({ version: PROTOCOL_VERSION, port: 70_000 }))).toBeUndefined()
    expect(await ask(stranger, node, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined()
    const record = (): Record<string, number> | undefined => node.reputation().find(r => r.peerId === stranger?.peerId.toString())?.counts
    await expect.poll(() => record()?.invalid_message ?? 0, { timeout: 10_000 }).toBe(2)
  }, 60_000)

  it('through a relay: only one the node is already connected to, never itself or the stranger, a few times per relay; a malformed relay request is charged', async () => {
    const relay = await mesh.node({ relay: true })
    const node = await mesh.node({ bootstrap: [addrOf(relay)] })
    await expect.poll(() => node.libp2p.getConnections().some(c => c.remotePeer.toString() === relay.peerId), { timeout: 20_000 }).toBe(true)
    const elsewhere = await mesh.node()
    stranger = await createStranger()
    const via = (relayId: string, port = 0): Uint8Array => DialBackRequest.encode({ version: PROTOCOL_VERSION, port, relay: relayId })

    // Peers the node holds no connection to (a mesh node elsewhere), the node itself and the
    // stranger: refused without a dial.
    const dialsBefore = node.libp2p.getConnections().length
    for (const relayId of [elsewhere.peerId, node.peerId, stranger.peerId.toString()]) {
      expect((await ask(stranger, node, via(relayId)))?.status).toBe(DialBackStatus.DIALBACK_REFUSED)
    }
    expect(node.libp2p.getConnections().some(c => c.remotePeer.toString() === elsewhere.peerId)).toBe(false)
    expect(node.libp2p.getConnections().length).toBeLessThanOrEqual(dialsBefore + 1)

    // Through the relay it is connected to: the stranger holds no reservation there, so each dial
    // fails at the relay; 30 requests reach the relay 4 times (the per-relay burst), the rest BUSY.
    const answers: Array<DialBackResponse | undefined> = []
    for (let i = 0; i < 30; i++) answers.push(await ask(stranger, node, via(relay.peerId)))
    const tried = answers.filter(a => a?.status === DialBackStatus.DIALBACK_FAILED)
    expect(tried).toHaveLength(4)
    expect(answers.filter(a => a?.status === DialBackStatus.DIALBACK_BUSY)).toHaveLength(26)
    for (const answer of tried) expect(multiaddr(answer?.dialed as Uint8Array).toString()).toMatch(new RegExp(`/p2p/${relay.peerId}/p2p-circuit$`))

    // Not a peer id, or a port with a relay: malformed, charged.
    expect(await ask(stranger, node, via('not a peer id'))).toBeUndefined()
    expect(await ask(stranger, node, via(relay.peerId, 4001))).toBeUndefined()
    const record = (): Record<string, number> | undefined => node.reputation().find(r => r.peerId === stranger?.peerId.toString())?.counts
    await expect.poll(() => record()?.invalid_message ?? 0, { timeout: 10_000 }).toBe(2)
  }, 60_000)
})
