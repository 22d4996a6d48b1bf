import net from 'node:net'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'

const PROTOCOL = '/mesh-test/tuning/1.0.0'

/** Socket writes, by the local and the remote port of the socket that made them. */
const writes: Array<{ local: number, remote: number, bytes: number }> = []
const originalWrite = net.Socket.prototype.write

describe('transport tuning (src/node/transport-tuning.ts): one socket write per message, window updates only as the window runs low', () => {
  const mesh = new TestMesh()
  let receiver: MeshNode
  let sender: MeshNode
  let port: number
  const received: number[] = []

  beforeAll(async () => {
    receiver = await mesh.node()
    sender = await mesh.node()
    port = Number(/\/tcp\/(\d+)/.exec(addrOf(receiver))?.[1])
    await receiver.libp2p.handle(PROTOCOL, stream => {
      void (async () => {
        const lp = lpStream(stream, { maxDataLength: 8 << 20 })
        for (;;) {
          const message = await lp.read().catch(() => null)
          if (message == null) return
          received.push(message.byteLength)
        }
      })()
    })
    net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
      const chunk = args[0] as Uint8Array
      writes.push({ local: this.localPort ?? 0, remote: this.remotePort ?? 0, bytes: chunk?.byteLength ?? 0 })
      return (originalWrite as (...a: unknown[]) => boolean).apply(this, args)
    } as typeof net.Socket.prototype.write
  })

  afterAll(async () => {
    net.Socket.prototype.write = originalWrite
    await mesh.cleanup()
  })

  it('sends 300 small messages in about 300 writes, and the receiver answers with a handful of window updates, not 300', async () => {
    const stream = await sender.libp2p.dialProtocol(multiaddr(addrOf(receiver)), PROTOCOL)
    const lp = lpStream(stream)
    writes.length = 0
    for (let i = 0; i < 300; i++) {
      await lp.write(new Uint8Array(100).fill(i % 256))
      // Each message its own frame: the next one waits for the event loop to turn.
      await new Promise(resolve => setImmediate(resolve))
    }
    await expect.poll(() => received.length, { timeout: 20_000 }).toBe(300)
    const sent = writes.filter(w => w.remote === port).length
    const answered = writes.filter(w => w.local === port).length
    // Untuned: two writes a message (noise's length, then its ciphertext), and one window
    // update frame (two writes again) back for each. Heartbeats and gossip add a few either way.
    expect(sent).toBeGreaterThanOrEqual(300)
    expect(sent).toBeLessThan(360)
    expect(answered).toBeLessThan(40)
    await stream.close()
  })

  it('still carries 3 MiB (twelve times the initial 256 KiB window) on one stream (the window is renewed as it runs low, so flow control does not stall)', async () => {
    const before = received.length
    const stream = await sender.libp2p.dialProtocol(multiaddr(addrOf(receiver)), PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: 8 << 20 })
    await lp.write(new Uint8Array(3 << 20).fill(7))
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(before + 1)
    expect(received.at(-1)).toBe(3 << 20)
    await stream.close()
  })
})
