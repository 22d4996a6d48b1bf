import { tryGetNetConfig } from '@libp2p/utils'
import { errorMessage } from '../errors.js'
import type { Logger } from '../logger.js'
import type { MeshMetrics } from '../metrics.js'
import type { MultiaddrConnection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Per-host and per-subnet bounds on inbound connections, so that one host (or one network)
 * cannot take every connection slot of a node (libp2p refuses all inbound connections once
 * `maxConnections` are open). A host is an IPv4 address or an IPv6 /64 (what one machine is
 * usually given: it can pick any address in it); a subnet is an IPv4 /24 or an IPv6 /48.
 * Loopback is exempt unless asked otherwise: a mesh on one machine (tests, simulations) is all
 * 127.0.0.1.
 *
 * What is counted is raw connections, from accept to close, handshakes included: libp2p's
 * pending-handshake slots (`maxIncomingPendingConnections`) are as finite as the open ones.
 */

export interface InboundLimits {
  /** Inbound connections from one host at most. */
  maxPerHost: number
  /** Inbound connections from one subnet at most. */
  maxPerSubnet: number
  /** Counts loopback connections too (off: a one-machine mesh is all 127.0.0.1). */
  limitLoopback: boolean
}

export type InboundRefusal = 'per_host' | 'per_subnet'

export interface InboundSlotsComponents {
  logger: Logger
  metrics: Pick<MeshMetrics, 'inboundRefused'>
}

interface SourceKeys {
  host: string
  subnet: string
}

const LIVE = new Set(['open', 'closing'])

/** Connections counted under one key; ones already closed are dropped whenever the key is read. */
class Tally {
  private readonly live = new Map<string, Set<MultiaddrConnection>>()

  count (key: string): number {
    const conns = this.live.get(key)
    if (conns == null) return 0
    for (const conn of conns) if (!LIVE.has(conn.status)) conns.delete(conn)
    if (conns.size === 0) this.live.delete(key)
    return conns.size
  }

  add (key: string, conn: MultiaddrConnection): void {
    let conns = this.live.get(key)
    if (conns == null) {
      conns = new Set()
      this.live.set(key, conns)
    }
    conns.add(conn)
  }

  remove (key: string, conn: MultiaddrConnection): void {
    const conns = this.live.get(key)
    conns?.delete(conn)
    if (conns?.size === 0) this.live.delete(key)
  }
}

export class InboundSlots {
  private readonly byHost = new Tally()
  private readonly bySubnet = new Tally()

  constructor (private readonly limits: InboundLimits, private readonly components: InboundSlotsComponents) {}

  /** Takes a slot for a new inbound connection, or says why it is refused (the connection gater's answer). */
  admit (conn: MultiaddrConnection): InboundRefusal | undefined {
    let keys: SourceKeys | undefined
    try {
      keys = sourceKeys(conn.remoteAddr, this.limits.limitLoopback)
    } catch (err) {
      this.components.logger.debug({ remote: conn.remoteAddr.toString(), err: errorMessage(err) }, 'inbound connection from an address that cannot be counted')
    }
    if (keys == null) return undefined
    const refusal = this.byHost.count(keys.host) >= this.limits.maxPerHost
      ? 'per_host'
      : this.bySubnet.count(keys.subnet) >= this.limits.maxPerSubnet ? 'per_subnet' : undefined
    if (refusal != null) {
      this.components.metrics.inboundRefused.inc({ reason: refusal })
      this.components.logger.debug({ remote: conn.remoteAddr.toString(), reason: refusal }, 'inbound connection refused: its host or subnet holds its share of the slots')
      return refusal
    }
    const { host, subnet } = keys
    this.byHost.add(host, conn)
    this.bySubnet.add(subnet, conn)
    conn.addEventListener('close', () => {
      this.byHost.remove(host, conn)
      this.bySubnet.remove(subnet, conn)
    }, { once: true })
    return undefined
  }
}

/**
 * Host and subnet keys of a remote address (a host: an IPv4 address or an IPv6 /64); undefined
 * for what is not counted (not IP; loopback unless `limitLoopback`). Also the key the dial-back
 * check rate-limits askers by (./reachability.ts).
 */
export function sourceKeys (remoteAddr: Multiaddr, limitLoopback: boolean): SourceKeys | undefined {
  const net = tryGetNetConfig(remoteAddr)
  if (net == null || (net.type !== 'ip4' && net.type !== 'ip6')) return undefined
  const groups = net.type === 'ip6' ? ipv6Groups(net.host) : []
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 host.
  const mapped = groups.length === 8 && groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xffff
  const v4 = net.type === 'ip4' ? net.host : mapped ? groups.slice(6).flatMap(g => [g >> 8, g & 0xff]).join('.') : undefined
  if (v4 != null) {
    if (!limitLoopback && v4.startsWith('127.')) return undefined
    return { host: v4, subnet: v4.split('.').slice(0, 3).join('.') + '.0/24' }
  }
  if (!limitLoopback && groups.every((g, i) => g === (i === 7 ? 1 : 0))) return undefined
  const prefix = (n: number): string => groups.slice(0, n).map(g => g.toString(16)).join(':')
  return { host: `${prefix(4)}::/64`, subnet: `${prefix(3)}::/48` }
}

/** The eight 16-bit groups of an IPv6 address (a zone id and an embedded IPv4 tail allowed). */
export function ipv6Groups (address: string): number[] {
  let text = address.split('%')[0] ?? ''
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (tail != null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${address}`)
  const [head, rest] = halves as [string, string | undefined]
  const parse = (part: string): number[] => part === '' ? [] : part.split(':').map(g => parseInt(g, 16))
  const front = parse(head)
  const back = rest == null ? [] : parse(rest)
  const groups = rest == null ? front : [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back]
  if (groups.length !== 8 || groups.some(g => !Number.isInteger(g) || g < 0 || g > 0xffff)) throw new Error(`not an IPv6 address: ${address}`)
  return groups
}
