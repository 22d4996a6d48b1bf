import { describe, expect, it } from 'vitest'
import { BootstrapRedialer } from '../../../src/node/bootstrap-redialer.js'
import { silentLogger } from '../../../src/logger.js'
import { ManualClock } from '../../helpers/manual-clock.js'

const ADDR = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWQuySoVr5biAFub8SFZNXhQp1DVnbtAw3a9oV1U6CjEsj'

function fakeLibp2p (connections: number) {
  const dials: string[] = []
  return {
    dials,
    connections,
    getConnections () { return new Array(this.connections).fill({}) },
    async dial (addr: { toString: () => string }) { dials.push(addr.toString()); throw new Error('refused') }
  }
}

describe('BootstrapRedialer', () => {
  it('dials the bootstrap list on each interval while the node has no connection, and not once it has one', async () => {
    const clock = new ManualClock()
    const libp2p = fakeLibp2p(0)
    const redialer = new BootstrapRedialer({ libp2p: libp2p as any, addrs: [ADDR], intervalMs: 1000, clock, logger: silentLogger() })
    redialer.start()
    await clock.advance(999)
    expect(libp2p.dials).toEqual([])
    await clock.advance(1)
    expect(libp2p.dials).toEqual([ADDR])
    await clock.advance(1000)
    expect(libp2p.dials).toHaveLength(2)
    libp2p.connections = 1
    await clock.advance(5000)
    expect(libp2p.dials).toHaveLength(2)
    redialer.stop()
    libp2p.connections = 0
    await clock.advance(5000)
    expect(libp2p.dials).toHaveLength(2)
  })
})
