import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/logger.js'
import { createMetrics } from '../../../src/metrics.js'
import { InboundSlots, ipv6Groups, type InboundLimits } from '../../../src/node/inbound-slots.js'
import type { MultiaddrConnection } from '@libp2p/interface'

/** A raw inbound connection from `ip`: open until close() (or until its status is changed by hand). */
function fakeConn (ip: string): MultiaddrConnection & { close: () => void } {
  const target = new EventTarget()
  const conn = {
    remoteAddr: multiaddr(`/${ip.includes(':') ? 'ip6' : 'ip4'}/${ip}/tcp/4001`),
    status: 'open',
    addEventListener: target.addEventListener.bind(target),
    close: () => {
      conn.status = 'closed'
      target.dispatchEvent(new Event('close'))
    }
  }
  return conn as unknown as MultiaddrConnection & { close: () => void }
}

function slots (limits: Partial<InboundLimits> = {}): { slots: InboundSlots, refused: (reason: string) => Promise<number> } {
  const metrics = createMetrics()
  return {
    slots: new InboundSlots({ maxPerHost: 2, maxPerSubnet: 3, limitLoopback: false, ...limits }, { logger: silentLogger(), metrics }),
    refused: async reason => (await metrics.inboundRefused.get()).values.find(v => v.labels.reason === reason)?.value ?? 0
  }
}

describe('InboundSlots', () => {
  it('refuses a host past its share, then its subnet past its share, and counts each refusal by reason', async () => {
    const { slots: s, refused } = slots()
    expect(s.admit(fakeConn('203.0.113.7'))).toBeUndefined()
    expect(s.admit(fakeConn('203.0.113.7'))).toBeUndefined()
    expect(s.admit(fakeConn('203.0.113.7'))).toBe('per_host')
    expect(s.admit(fakeConn('203.0.113.8'))).toBeUndefined()
    expect(s.admit(fakeConn('203.0.113.9'))).toBe('per_subnet')
    expect(s.admit(fakeConn('198.51.100.1'))).toBeUndefined()
    expect(await refused('per_host')).toBe(1)
    expect(await refused('per_subnet')).toBe(1)
  })

  it('gives a slot back when its connection closes, or is found closed without an event', () => {
    const { slots: s } = slots()
    const [a, b] = [fakeConn('203.0.113.7'), fakeConn('203.0.113.7')]
    s.admit(a)
    s.admit(b)
    expect(s.admit(fakeConn('203.0.113.7'))).toBe('per_host')
    a.close()
    expect(s.admit(fakeConn('203.0.113.7'))).toBeUndefined()
    ;(b as { status: string }).status = 'aborted'
    expect(s.admit(fakeConn('203.0.113.7'))).toBeUndefined()
  })

  it('counts IPv6 by /64 (a host) and /48 (a subnet), and IPv4-mapped IPv6 as IPv4', () => {
    const { slots: s } = slots()
    expect(s.admit(fakeConn('2001:db8:1:1::1'))).toBeUndefined()
    expect(s.admit(fakeConn('2001:db8:1:1:ffff::2'))).toBeUndefined()
    expect(s.admit(fakeConn('2001:db8:1:1::3'))).toBe('per_host')
    expect(s.admit(fakeConn('2001:db8:1:2::1'))).toBeUndefined()
    expect(s.admit(fakeConn('2001:db8:1:3::1'))).toBe('per_subnet')
    expect(s.admit(fakeConn('2001:db8:2::1'))).toBeUndefined()
    expect(s.admit(fakeConn('::ffff:203.0.113.7'))).toBeUndefined()
    expect(s.admit(fakeConn('203.0.113.7'))).toBeUndefined()
    expect(s.admit(fakeConn('::ffff:203.0.113.7'))).toBe('per_host')
  })

  it('leaves loopback alone unless asked to count it', () => {
    const { slots: s } = slots()
    for (let i = 0; i < 10; i++) expect(s.admit(fakeConn(i % 2 === 0 ? '127.0.0.1' : '::1'))).toBeUndefined()
    const { slots: strict } = slots({ limitLoopback: true })
    strict.admit(fakeConn('127.0.0.1'))
    strict.admit(fakeConn('127.0.0.1'))
    expect(strict.admit(fakeConn('127.0.0.1'))).toBe('per_host')
    strict.admit(fakeConn('::1'))
    strict.admit(fakeConn('::1'))
    expect(strict.admit(fakeConn('::1'))).toBe('per_host')
  })

  it.each([
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['2001:db8::', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]]
  ])('reads the groups of %s', (address, groups) => {
    expect(ipv6Groups(address)).toEqual(groups)
  })

  it('refuses to read what is not an IPv6 address', () => {
    expect(() => ipv6Groups('1:2:3')).toThrow()
    expect(() => ipv6Groups('1::2::3')).toThrow()
  })
})
