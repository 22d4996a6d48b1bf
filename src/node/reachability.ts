import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { RateLimiter, type RateLimit } from '../gossip/rate-limit.js'
import { dialBackProtocol } from '../gossip/topics.js'
import { PROTOCOL_VERSION } from '../gossip/wire/limits.js'
import { DialBackRequest, DialBackResponse, DialBackStatus } from '../gossip/wire/mesh.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'
import { sourceKeys } from './inbound-slots.js'
import { isRelayed } from './relays.js'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

/**
 * Whether this node can be dialled from outside (docs/PROTOCOL.md, "Reachability"): it asks
 * connected peers to dial it back. libp2p's AutoNAT ignores private address ranges and wants
 * dial-backs from several networks, so it decides nothing on a LAN or in a test on one machine;
 * this check works on any address.
 *
 * Asking: a node sends a peer, over a direct connection, the TCP port it listens on. Serving:
 * the peer dials a new connection to the address that connection comes from (the requester's
 * address as the peer sees it: behind a NAT, the router's) at that port, and answers whether the
 * handshake reached the requester. A node never dials anything but the requester's own observed
 * address (no one can aim it at a third party), one check at a time per peer and per address,
 * a few at once in all.
 *
 * A peer's "reached you" counts only if this node saw that peer's new inbound connection arrive
 * (a liar cannot make a node believe it is public); "could not reach you" cannot be checked, so
 * `private` needs two peers saying so (or the only peer there is).
 *
 * The same request, naming a relay, asks whether that relay forwards (probeRelay, used by
 * ./relays.ts): the peer dials the requester through the relay, over the connection it already
 * holds to the relay (never a new one), so a request costs the relay one relayed connection to the
 * peer that asked for it, within the same rate limits.
 */

export type Reachability = 'public' | 'private' | 'unknown'
/** Whether a relay this node holds a reservation on forwards connections to it. */
export type RelayProbe = 'forwards' | 'not forwarding' | 'unknown'

export interface ReachabilitySettings {
  /** A decided node asks again this often (its answers expire after `answerTtlMs`). */
  recheckMs: number
  /** While undecided, a round this often (when there are peers not asked yet). */
  retryMs: number
  /** Peers asked per round. */
  askPerRound: number
  /** How long a dial-back may take, and how long the asker waits for the answer after it. */
  dialTimeoutMs: number
  /** Answers count this long. */
  answerTtlMs: number
  /** Serving: checks per requesting peer and per requesting IP address. */
  perPeer: RateLimit
  perAddress: RateLimit
  /** Serving: dial-backs under way at once. */
  maxConcurrent: number
}

export const DEFAULT_REACHABILITY: ReachabilitySettings = {
  recheckMs: 10 * 60_000,
  retryMs: 5_000,
  askPerRound: 3,
  dialTimeoutMs: 5_000,
  answerTtlMs: 30 * 60_000,
  // A private node asks a peer about its own address now and then, and about each of its relays
  // every two minutes (./relays.ts): a few a minute at most.
  perPeer: { rate: 1 / 15, burst: 4 },
  perAddress: { rate: 1 / 10, burst: 4 },
  maxConcurrent: 2
}

/** Requests and answers are a few bytes; a longer one is not one. */
const MAX_MESSAGE_BYTES = 256
/** Read failures that are the sender's bytes (a length prefix over the limit), not the stream ending. */
const OVERSIZED_READS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError'])
/** Answers remembered (one per peer, newest kept). */
const MAX_ANSWERS = 32
/** Addresses peers saw this node at, newest kept. */
const MAX_OBSERVED = 8

export interface ReachabilityInit {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'dial' | 'getConnections' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener'>
  network: string
  clock: Clock
  logger: Logger
  reputation: Pick<ReputationHook, 'report'>
  settings?: Partial<ReachabilitySettings>
  /**
   * Peers the connection gater refuses to dial afresh (./libp2p.ts): while this node dials an
   * asker through a relay, the relay is in it, so the dial goes over the connection held to the
   * relay or fails, never opens a new one to addresses the relay's identity advertised.
   */
  noNewDials?: Set<string>
}

interface Answer {
  reached: boolean
  at: number
}

/** A dial-back under way: how it should arrive (through `relay`, or directly), and whether it did. */
interface Expected {
  relay?: string
  arrived: boolean
  wake?: () => void
}

/** What to be dialled at: this node's listening port at its observed address, or through a relay. */
type Target = { port: number } | { relay: string }

export class ReachabilityCheck {
  readonly protocol: string
  private readonly settings: ReachabilitySettings
  private readonly answers = new Map<string, Answer>()
  private readonly asked = new Map<string, number>()
  private readonly observed: string[] = []
  /** Peers whose dial-back this node waits for, and whether it arrived. */
  private readonly expecting = new Map<string, Expected>()
  private readonly perPeer: RateLimiter
  private readonly perAddress: RateLimiter
  private serving = 0
  private readonly streams = new Set<Stream>()
  private timer?: unknown
  private round?: Promise<void>
  private lastRound = 0
  private lastState: Reachability = 'unknown'
  private started = false
  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    if (connection.direction !== 'inbound') return
    const waiting = this.expecting.get(connection.remotePeer.toString())
    if (waiting == null) return
    const relayed = isRelayed(connection)
    if (waiting.relay != null ? !relayed || !connection.remoteAddr.toString().includes(`/p2p/${waiting.relay}/p2p-circuit`) : relayed) return
    waiting.arrived = true
    waiting.wake?.()
  }

  constructor (private readonly init: ReachabilityInit) {
    this.settings = { ...DEFAULT_REACHABILITY, ...init.settings }
    this.protocol = dialBackProtocol(init.network)
    this.perPeer = new RateLimiter(this.settings.perPeer, 10_000)
    this.perAddress = new RateLimiter(this.settings.perAddress, 10_000)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.init.libp2p.handle(this.protocol, (stream, connection) => { void this.serve(stream, connection) }, {
      maxInboundStreams: 2,
      runOnLimitedConnection: false
    })
    this.init.libp2p.addEventListener('connection:open', this.onOpen)
    this.timer = this.init.clock.setInterval(() => { this.tick() }, this.settings.retryMs)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.init.clock.clearInterval(this.timer)
    this.init.libp2p.removeEventListener('connection:open', this.onOpen)
    await this.init.libp2p.unhandle(this.protocol)
    for (const stream of this.streams) stream.abort(new Error('reachability check stopped'))
    this.streams.clear()
    await this.round?.catch(() => {})
  }

  /** What the answers of the last `answerTtlMs` say. */
  state (): Reachability {
    const now = this.init.clock.now()
    let failed = 0
    for (const answer of this.answers.values()) {
      if (now - answer.at > this.settings.answerTtlMs) continue
      if (answer.reached) return 'public'
      failed++
    }
    if (failed >= 2) return 'private'
    if (failed === 1 && this.directPeers().length <= 1) return 'private'
    return 'unknown'
  }

  /** Addresses peers saw this node's connections come from (the port is the one asked about), newest first. */
  observedAddrs (): string[] {
    return [...this.observed]
  }

  /** Runs a round now (tests, and the timer below). Resolves when its answers are in. */
  async check (): Promise<void> {
    if (this.round != null) return await this.round
    this.round = this.ask().finally(() => { this.round = undefined })
    await this.round
  }

  private tick (): void {
    if (!this.started || this.round != null) return
    const now = this.init.clock.now()
    const undecided = this.state() === 'unknown'
    if (!undecided && now - this.lastRound < this.settings.recheckMs) return
    if (this.candidates(now).length === 0) return
    void this.check().catch(err => { this.init.logger.debug({ err: (err as Error).message }, 'reachability round failed') })
  }

  private directPeers (): string[] {
    const peers = new Set<string>()
    for (const connection of this.init.libp2p.getConnections()) {
      if (!isRelayed(connection) && connection.status === 'open') peers.add(connection.remotePeer.toString())
    }
    return [...peers]
  }

  /** Direct peers not asked within `recheckMs`. */
  private candidates (now: number): string[] {
    return this.directPeers().filter(peer => {
      if (this.expecting.has(peer)) return false
      const at = this.asked.get(peer)
      return at == null || now - at >= this.settings.recheckMs
    })
  }

  private listenPort (): number | undefined {
    for (const addr of this.init.libp2p.getMultiaddrs()) {
      const tcp = addr.getComponents().find(c => c.name === 'tcp')
      if (tcp?.value != null) return Number(tcp.value)
    }
    return undefined
  }

  private async ask (): Promise<void> {
    const now = this.init.clock.now()
    this.lastRound = now
    const port = this.listenPort()
    if (port == null) return
    const peers = this.candidates(now).slice(0, this.settings.askPerRound)
    for (const peer of peers) this.asked.set(peer, now)
    await Promise.all(peers.map(async peer => {
      const answer = await this.askOne(peer, { port })
      if (answer !== 'none') this.record(peer, answer === 'reached')
    }))
    const state = this.state()
    if (state !== this.lastState) {
      this.init.logger.info({ reachability: state, observed: this.observedAddrs() }, state === 'public' ? 'reachable: a peer dialled this node back' : state === 'private' ? 'not reachable from outside: peers cannot dial this node back' : 'reachability unknown')
      this.lastState = state
    }
  }

  /**
   * Asks peers other than `relay` to dial this node through it, one at a time, up to
   * `askPerRound + 1` of them in random order: `forwards` as soon as one connection through it
   * arrives (a liar cannot fake that); `not forwarding` when at least two said they could not get
   * through and none got through (a failure cannot be checked: one liar alone cannot make this
   * node leave a relay, and an honest peer's success outweighs any number of liars asked);
   * `unknown` otherwise (too few peers, peers not connected to that relay, or busy).
   */
  async probeRelay (relay: string): Promise<RelayProbe> {
    const helpers = shuffle(this.directPeers().filter(peer => peer !== relay && !this.expecting.has(peer)))
    let failed = 0
    for (const helper of helpers.slice(0, this.settings.askPerRound + 1)) {
      const answer = await this.askOne(helper, { relay })
      if (answer === 'reached') return 'forwards'
      if (answer === 'failed') failed++
    }
    return failed >= 2 ? 'not forwarding' : 'unknown'
  }

  private async askOne (peer: string, target: Target): Promise<'reached' | 'failed' | 'none'> {
    const waiting: Expected = { arrived: false, ...('relay' in target ? { relay: target.relay } : {}) }
    this.expecting.set(peer, waiting)
    const signal = AbortSignal.timeout(this.settings.dialTimeoutMs * 3)
    let stream: Stream | undefined
    try {
      const connection = this.init.libp2p.getConnections().find(c => c.remotePeer.toString() === peer && !isRelayed(c) && c.status === 'open')
      if (connection == null) return 'none'
      stream = await connection.newStream(this.protocol, { signal })
      this.streams.add(stream)
      const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
      const request = 'relay' in target ? { version: PROTOCOL_VERSION, port: 0, relay: target.relay } : { version: PROTOCOL_VERSION, port: target.port, relay: '' }
      await lp.write(DialBackRequest.encode(request), { signal })
      let bytes: Uint8Array
      try {
        bytes = (await lp.read({ signal })).subarray()
      } catch (err) {
        if (OVERSIZED_READS.has((err as { name?: string }).name ?? '')) this.init.reputation.report(peer, 'invalid_message', 'dial-back answer over its size limit')
        throw err
      }
      let response: DialBackResponse
      try {
        response = DialBackResponse.decode(bytes)
      } catch (err) {
        this.init.reputation.report(peer, 'invalid_message', 'malformed dial-back answer')
        throw err
      }
      await stream.close().catch(() => {})
      if (response.dialed.byteLength > 0 && 'port' in target) this.noteObserved(response.dialed)
      if (response.status === DialBackStatus.DIALBACK_OK) {
        // Its connection may finish its handshake here a moment after the peer's answer.
        if (!waiting.arrived) {
          let timer: unknown
          await new Promise<void>(resolve => { waiting.wake = resolve; timer = this.init.clock.setTimeout(resolve, 2_000) })
          this.init.clock.clearTimeout(timer)
        }
        if (waiting.arrived) return 'reached'
        this.init.logger.debug({ peer, ...target }, 'a peer said it dialled this node back, but no connection from it arrived')
      } else if (response.status === DialBackStatus.DIALBACK_FAILED) {
        return 'failed'
      }
      return 'none'
    } catch (err) {
      // A peer that does not speak the protocol, or a stream lost: no answer.
      this.init.logger.debug({ peer, err: (err as Error).message }, 'no dial-back answer')
      stream?.abort(err as Error)
      return 'none'
    } finally {
      if (stream != null) this.streams.delete(stream)
      if (this.expecting.get(peer) === waiting) this.expecting.delete(peer)
    }
  }

  private record (peer: string, reached: boolean): void {
    this.answers.delete(peer)
    this.answers.set(peer, { reached, at: this.init.clock.now() })
    while (this.answers.size > MAX_ANSWERS) this.answers.delete(this.answers.keys().next().value as string)
  }

  private noteObserved (bytes: Uint8Array): void {
    let addr: string
    try {
      addr = multiaddr(bytes).toString()
    } catch {
      return
    }
    const at = this.observed.indexOf(addr)
    if (at >= 0) this.observed.splice(at, 1)
    this.observed.unshift(addr)
    this.observed.length = Math.min(this.observed.length, MAX_OBSERVED)
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    this.streams.add(stream)
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
    const signal = AbortSignal.timeout(this.settings.dialTimeoutMs * 2)
    let counted = false
    try {
      // A stream that ends or times out before its request is no violation (a check given up, a
      // connection lost); bytes that are not a request, or a length over the limit, are.
      let bytes: Uint8Array
      try {
        bytes = (await lp.read({ signal })).subarray()
      } catch (err) {
        if (OVERSIZED_READS.has((err as { name?: string }).name ?? '')) this.init.reputation.report(peer, 'invalid_message', 'dial-back request over its size limit')
        stream.abort(err as Error)
        return
      }
      let request: DialBackRequest
      try {
        request = DialBackRequest.decode(bytes)
      } catch (err) {
        this.init.reputation.report(peer, 'invalid_message', 'malformed dial-back request')
        stream.abort(err as Error)
        return
      }
      const reply = async (status: DialBackStatus, dialed?: Multiaddr): Promise<void> => {
        await lp.write(DialBackResponse.encode({ version: PROTOCOL_VERSION, status, dialed: dialed?.bytes ?? new Uint8Array() }), { signal })
      }
      const throughRelay = request.relay !== ''
      if (throughRelay ? request.port !== 0 || !isPeerId(request.relay) : request.port < 1 || request.port > 65535) {
        this.init.reputation.report(peer, 'invalid_message', throughRelay ? 'dial-back request naming no relay peer id' : `dial-back request for port ${request.port}`)
        stream.abort(new Error('bad dial-back request'))
        return
      }
      const target = throughRelay ? this.relayTargetOf(request.relay, peer) : this.targetOf(connection, request.port)
      if (isRelayed(connection) || target == null) {
        await reply(DialBackStatus.DIALBACK_REFUSED)
        return
      }
      // The asker's own budget first, then its address's (IPv4 address or IPv6 /64; with the
      // relay, per relay and asker address): an asker over its limit spends no shared token.
      const now = this.init.clock.now()
      const asker = sourceKeys(connection.remoteAddr, true)?.host ?? connection.remoteAddr.toString()
      const addressKey = throughRelay ? `${target.host} ${asker}` : asker
      if (this.serving >= this.settings.maxConcurrent || !this.perPeer.take(peer, now) || !this.perAddress.take(addressKey, now)) {
        await reply(DialBackStatus.DIALBACK_BUSY)
        return
      }
      this.serving++
      counted = true
      let reached = false
      const guarded = throughRelay && this.init.noNewDials != null && !this.init.noNewDials.has(request.relay)
      if (guarded) this.init.noNewDials?.add(request.relay)
      try {
        const back = await this.init.libp2p.dial(multiaddr(`${target.addr.toString()}/p2p/${peer}`), { force: true, signal: AbortSignal.timeout(this.settings.dialTimeoutMs) })
        reached = back.remotePeer.toString() === peer && isRelayed(back) === throughRelay
        await back.close().catch(() => { back.abort(new Error('dial-back done')) })
      } catch (err) {
        this.init.logger.debug({ peer, addr: target.addr.toString(), err: (err as Error).message }, 'dial-back failed')
      } finally {
        if (guarded) this.init.noNewDials?.delete(request.relay)
      }
      await reply(reached ? DialBackStatus.DIALBACK_OK : DialBackStatus.DIALBACK_FAILED, target.addr)
    } catch (err) {
      stream.abort(err as Error)
    } finally {
      if (counted) this.serving--
      this.streams.delete(stream)
      // Every answered stream is closed here (each counts against the 2 open per connection until then).
      await stream.close().catch(() => {})
    }
  }

  /**
   * Through a relay: only over a direct connection this node already holds to it (the dial opens
   * a relayed connection on it, nothing new toward any address), never through the requester
   * itself or this node. Rate-limited per relay.
   */
  private relayTargetOf (relay: string, requester: string): { addr: Multiaddr, host: string } | undefined {
    if (relay === requester || relay === this.init.libp2p.peerId.toString()) return undefined
    const held = this.init.libp2p.getConnections().find(c => c.remotePeer.toString() === relay && !isRelayed(c) && c.status === 'open')
    if (held == null) return undefined
    return { addr: multiaddr(`${held.remoteAddr.decapsulateCode(CODE_P2P).toString()}/p2p/${relay}/p2p-circuit`), host: `relay ${relay}` }
  }

  /** The requester's address as this node sees it, at the port asked about: IP and TCP only. */
  private targetOf (connection: Connection, port: number): { addr: Multiaddr, host: string } | undefined {
    const ip = connection.remoteAddr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
    const overTcp = connection.remoteAddr.getComponents().some(c => c.name === 'tcp')
    if (ip?.value == null || !overTcp) return undefined
    return { addr: multiaddr(`/${ip.name}/${ip.value}/tcp/${port}`), host: ip.value }
  }
}

function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false
  }
}

/** A copy of `items` in random order (Fisher–Yates). */
function shuffle<T> (items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const swap = out[i] as T
    out[i] = out[j] as T
    out[j] = swap
  }
  return out
}
