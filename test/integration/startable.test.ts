import { afterEach, describe, expect, it } from 'vitest'
import { ApiServer, type ApiTasks } from '../../src/api/server.js'
import { systemClock } from '../../src/clock.js'
import { LeaseChannel } from '../../src/gossip/lease-channel.js'
import { MeshProtocol } from '../../src/gossip/mesh-protocol.js'
import { createMetrics } from '../../src/metrics.js'
import { noReputation } from '../../src/reputation/hook.js'
import { silentLogger } from '../../src/logger.js'
import { BootstrapRedialer } from '../../src/node/bootstrap-redialer.js'
import { ConnectionTrimmer } from '../../src/node/connection-trimmer.js'
import { createMeshNode } from '../../src/node/mesh-node.js'
import { PeerKeeper } from '../../src/node/peer-keeper.js'
import { BatchCanceller } from '../../src/tasks/batch-cancel.js'
import { TestMesh } from '../helpers/nodes.js'

interface Startable { start: () => unknown, stop: () => unknown }

/** Every service: start twice is one start, stop without start is a no-op, and it can start again after a stop. */
describe('Startable contract', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  const services: Array<[string, () => Promise<Startable>]> = [
    ['MeshNode', async () => createMeshNode({ dataDir: await mesh.tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' })],
    ['ApiServer', async () => new ApiServer({
      node: { status: () => ({}), peers: async () => [], dial: async () => ({}), metricsText: async () => '', reputation: () => [], tasks: {} as ApiTasks, timeline: { history: () => [], subscribe: () => () => {} } },
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger()
    })],
    ['MeshProtocol', async () => {
      const node = await mesh.node()
      return new MeshProtocol({
        pubsub: node.libp2p.services.pubsub,
        selfId: node.libp2p.peerId,
        network: 'other',
        clock: systemClock,
        logger: silentLogger(),
        metrics: createMetrics(),
        reputation: noReputation,
        heartbeat: { baseMs: 1000, maxPerSecond: 50, agent: 'test', addrs: () => [], capacity: () => ({ capabilities: [], slotsFree: 0, slotsTotal: 0, memoryFree: 0, load: 0 }) }
      })
    }],
    ['LeaseChannel', async () => {
      const node = await mesh.node()
      return new LeaseChannel({ libp2p: node.libp2p, network: 'other', clock: systemClock, logger: silentLogger(), metrics: createMetrics(), reputation: noReputation })
    }],
    ['BootstrapRedialer', async () => new BootstrapRedialer({
      libp2p: { getConnections: () => [], dial: async () => { throw new Error('no') } },
      addrs: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQuySoVr5biAFub8SFZNXhQp1DVnbtAw3a9oV1U6CjEsj'],
      intervalMs: 60_000,
      clock: systemClock,
      logger: silentLogger()
    })],
    ['PeerKeeper', async () => {
      const node = await mesh.node()
      return new PeerKeeper({ libp2p: node.libp2p, clock: systemClock, logger: silentLogger(), random: Math.random, wanted: () => [] }, { tickMs: 60_000 })
    }],
    ['ConnectionTrimmer', async () => new ConnectionTrimmer({ libp2p: (await mesh.node()).libp2p, logger: silentLogger(), wanted: () => [] }, 10)],
    ['BatchCanceller', async () => new BatchCanceller({ cancel: () => {}, unfinished: () => [], clock: systemClock, logger: silentLogger() })]
  ]

  it.each(services)('%s: stop without start, start twice, stop twice, start again', async (_name, make) => {
    const service = await make()
    await service.stop()
    await Promise.all([service.start(), service.start()])
    await service.start()
    await service.stop()
    await service.stop()
    await service.start()
    await service.stop()
  })

  it('MeshNode keeps one libp2p across concurrent starts and makes a fresh one after a stop', async () => {
    const node = createMeshNode({ dataDir: await mesh.tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], api: null })
    await Promise.all([node.start(), node.start()])
    const first = node.libp2p
    await node.start()
    expect(node.libp2p).toBe(first)
    const id = node.peerId
    await node.stop()
    expect(() => node.libp2p).toThrow(expect.objectContaining({ code: 'NOT_STARTED' }))
    await node.start()
    expect(node.libp2p).not.toBe(first)
    expect(node.peerId).toBe(id)
    await node.stop()
  })
})
