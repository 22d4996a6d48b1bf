import { randomBytes } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { BlobChannel } from '../../src/gossip/blob-channel.js'
import { blobProtocol } from '../../src/gossip/topics.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics.js'
import { LIMITS } from '../../src/gossip/wire/limits.js'
import { sha256, toHex } from '../../src/tasks/spec.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { wasmFixture } from '../helpers/wasm.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { PeerAction } from '../../src/reputation/hook.js'
import type { TaskView } from '../../src/tasks/owner.js'

async function transfers (node: MeshNode, direction: 'in' | 'out'): Promise<number> {
  const { values } = await node.metrics.blobTransfers.get()
  return values.filter(v => v.labels.direction === direction && v.labels.result === 'ok').reduce((sum, v) => sum + v.value, 0)
}

/** The module with a custom section of `padding` bytes appended: still valid, now over the inline limit. */
function padded (module: Uint8Array, padding: number): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = []
    do {
      let byte = n & 0x7f
      n >>>= 7
      if (n !== 0) byte |= 0x80
      out.push(byte)
    } while (n !== 0)
    return out
  }
  const name = new TextEncoder().encode('padding')
  const body = [...leb(name.length), ...name, ...new Uint8Array(padding)]
  return new Uint8Array([...module, 0, ...leb(body.length), ...body])
}

let echoModule: Uint8Array

beforeAll(async () => { echoModule = await wasmFixture('echo') })

describe('large data travels by hash', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('a large input and a large output (over the inline limit) make the round trip intact', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, allowWasm: true, bootstrap: [addrOf(owner)], exec: { upper: { argv: ['tr', 'a-z', 'A-Z'] } } })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')

    // 300 KiB of random lowercase text in, the same in uppercase out: another hash each way.
    const text = Array.from(randomBytes(300 * 1024), b => String.fromCharCode(97 + (b % 26))).join('')
    const input = new TextEncoder().encode(text)
    expect(input.byteLength).toBeGreaterThan(LIMITS.inlineInputBytes)
    const [id] = await owner.tasks.submit({ kind: 'upper', input: text })
    await expect.poll(() => (owner.tasks.get(id as string) as TaskView).state, { timeout: 60_000, interval: 100 }).toBe('succeeded')
    const output = owner.tasks.output(id as string)
    expect(output.byteLength).toBe(input.byteLength)
    expect(toHex(sha256(output))).toBe(toHex(sha256(new TextEncoder().encode(text.toUpperCase()))))
    // The worker fetched the input from the owner; the owner fetched the output from the worker.
    expect(await transfers(worker, 'in')).toBe(1)
    expect(await transfers(owner, 'in')).toBe(1)

    // A wasm module over the inline limit, with an input that fits inline: the module goes by hash.
    const big = padded(echoModule, 100 * 1024)
    expect(big.byteLength).toBeGreaterThan(LIMITS.inlineModuleBytes)
    const [wasm] = await owner.tasks.submit({ kind: 'wasm', module: Buffer.from(big).toString('base64'), input: 'small input, big module' })
    await expect.poll(() => (owner.tasks.get(wasm as string) as TaskView).state, { timeout: 60_000, interval: 100 }).toBe('succeeded')
    expect(new TextDecoder().decode(owner.tasks.output(wasm as string))).toBe('small input, big module')
    expect(await transfers(worker, 'in')).toBe(2)

    // A third peer gets neither the owner's input (only a holder of a live lease on a task that
    // needs it may fetch it) nor the worker's output (only the task's owner may).
    const third = await mesh.node({ bootstrap: [addrOf(owner), addrOf(worker)], worker: false })
    await expect.poll(async () => (await third.peers()).filter(p => p.connected).length, { timeout: 20_000 }).toBe(2)
    const outputHash = sha256(new TextEncoder().encode(text.toUpperCase()))
    await expect(third.blobChannel.fetch(owner.peerId, sha256(input), LIMITS.blobBytes)).rejects.toMatchObject({ code: 'not_found' })
    await expect(third.blobChannel.fetch(worker.peerId, outputHash, LIMITS.blobBytes)).rejects.toMatchObject({ code: 'not_found' })
    // The owner may fetch the output again, but never more than it asks for.
    expect(toHex(sha256(await owner.blobChannel.fetch(worker.peerId, outputHash, LIMITS.blobBytes)))).toBe(toHex(outputHash))
    await expect(owner.blobChannel.fetch(worker.peerId, outputHash, 1024)).rejects.toMatchObject({ code: 'too_large' })
  }, 120_000)

  it('bytes that do not match their hash are refused and count against the sender', async () => {
    const honest = await mesh.node()
    const liar = await mesh.node({ bootstrap: [addrOf(honest)] })
    await expect.poll(async () => (await honest.peers()).filter(p => p.connected).length, { timeout: 20_000 }).toBe(1)
    const reports: Array<[string, PeerAction]> = []
    const logger = createLogger({ level: 'silent' })
    const reputation = { report: (peer: string, action: PeerAction) => { reports.push([peer, action]) }, gossipScore: () => 0 }
    // A server on a side network name that answers every hash with the same wrong bytes.
    const lying = new BlobChannel({ libp2p: liar.libp2p, network: 'liars', logger, metrics: createMetrics(), reputation, source: () => ({ size: 1000, read: (_offset, length) => new Uint8Array(length).fill(7) }) })
    await lying.start()
    const asking = new BlobChannel({ libp2p: honest.libp2p, network: 'liars', logger, metrics: createMetrics(), reputation, source: () => undefined })
    try {
      await expect(asking.fetch(liar.peerId, new Uint8Array(32).fill(1), 4096)).rejects.toMatchObject({ code: 'bad_data', message: 'blob bytes do not match their hash' })
      expect(reports).toEqual([[liar.peerId, 'invalid_message']])
    } finally {
      await lying.stop()
    }
  })

  it('a blob stream closed or reset before its request costs its opener nothing; bytes that are no request do', async () => {
    const server = await mesh.node()
    const client = await mesh.node({ bootstrap: [addrOf(server)] })
    await expect.poll(async () => (await server.peers()).filter(p => p.connected).length, { timeout: 20_000 }).toBe(1)
    const reports: Array<[string, PeerAction]> = []
    const logger = createLogger({ level: 'silent' })
    const reputation = { report: (peer: string, action: PeerAction) => { reports.push([peer, action]) }, gossipScore: () => 0 }
    const serving = new BlobChannel({ libp2p: server.libp2p, network: 'side', logger, metrics: createMetrics(), reputation, source: () => undefined })
    await serving.start()
    try {
      const protocol = blobProtocol('side')
      const closed = await client.libp2p.dialProtocol(multiaddr(addrOf(server)), protocol)
      await closed.close()
      const reset = await client.libp2p.dialProtocol(multiaddr(addrOf(server)), protocol)
      reset.abort(new Error('given up'))
      const garbage = await client.libp2p.dialProtocol(multiaddr(addrOf(server)), protocol)
      // A length prefix of 3 and three bytes that are no BlobRequest (field 1 with wire type 7).
      garbage.send(new Uint8Array([3, 0x0f, 0xff, 0xff]))
      await expect.poll(() => reports.length, { timeout: 20_000 }).toBeGreaterThan(0)
      expect(reports).toEqual([[client.peerId, 'invalid_message']])
    } finally {
      await serving.stop()
    }
  })
})

describe('slots and memory', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('a worker claims only tasks that fit its free slots and memory', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const small = await mesh.node({ heartbeatMs: 200, slots: 1, memoryBytes: '64MiB', bootstrap: [addrOf(owner)] })
    const large = await mesh.node({ heartbeatMs: 200, slots: 4, memoryBytes: '4GiB', bootstrap: [addrOf(owner)] })
    await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 20_000 }).toBe(2)

    const ids = [
      ...await owner.tasks.submit({ kind: 'echo', input: 'three slots', slots: 3 }),
      ...await owner.tasks.submit({ kind: 'echo', input: 'a GiB', memoryBytes: 1024 ** 3 })
    ]
    for (const id of ids) {
      await expect.poll(() => (owner.tasks.get(id) as TaskView).state, { timeout: 30_000, interval: 100 }).toBe('succeeded')
      expect(owner.tasks.logs(id).attempts.map(a => a.worker)).toEqual([large.peerId])
    }
    expect((small.tasks.stats() as { claimsSent: number }).claimsSent).toBe(0)
    // Two slots' worth of tasks that fit both: the small worker takes its share again.
    const fits = await owner.tasks.submit({ kind: 'echo', input: 'fits anywhere', count: 20 })
    for (const id of fits) await expect.poll(() => (owner.tasks.get(id) as TaskView).state, { timeout: 30_000, interval: 100 }).toBe('succeeded')
    expect(fits.flatMap(id => owner.tasks.logs(id).attempts.map(a => a.worker))).toContain(small.peerId)
  })
})
