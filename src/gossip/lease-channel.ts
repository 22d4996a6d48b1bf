import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { splitBatches } from './wire/batch.js'
import { checkLeaseMessage, decodeLeaseFrame, encodeLeaseFrame, type LeaseBody } from './wire/codec.js'
import { LIMITS } from './wire/limits.js'
import type { LeaseMessage } from './wire/mesh.js'
import { isPeer } from './wire/peer-bytes.js'
import { leaseProtocol } from './topics.js'
import { fail } from './validation.js'
import { runValidation, type AdapterSinks } from './validator-adapter.js'
import { RateLimiter, type RateLimit } from './rate-limit.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { MeshMetrics } from '../metrics.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'

/**
 * Messages per second read from one peer. Over it the reader waits (the stream's flow control
 * then slows the sender): an honest burst is delayed, never dropped.
 */
export const DIRECT_RATE_LIMIT: RateLimit = { rate: 20_000, burst: 40_000 }

/** Bytes queued for one peer at most: a peer that lets more pile up does not read, and is dropped. */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024
/** A write that makes no progress for this long means the peer does not read: it is dropped. */
export const WRITE_STALL_MS = 30_000
/** Parsed peer ids kept for `send` (cleared when full: a cache, not a table of peers). */
const PEER_ID_CACHE = 1024

export type LeaseHandler = (body: LeaseBody, from: string) => void

export interface LeaseChannelInit {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'hangUp'>
  network: string
  clock: Clock
  logger: Logger
  metrics: MeshMetrics
  reputation: ReputationHook
}

interface Outbound {
  stream: Stream
  lp: LengthPrefixedStream<Stream>
  /** Writes to one peer go out in order. */
  queue: Promise<void>
  /** Bytes of the writes queued or under way. */
  queuedBytes: number
}

/** The peer does not read what this node sends it: its stream and connection were dropped. */
class SlowPeerError extends Error {
  readonly code = 'SLOW_PEER'
}

/**
 * The point-to-point half of the wire protocol: claim, grant, renew, release, result, refusal
 * and cancel notices between a task's worker and its owner, batched in length-prefixed frames
 * on a libp2p stream (one outbound stream per peer, opened on first use). Noise authenticates
 * the connection, so each message's author must be the stream's remote peer; a frame that
 * breaks any rule is dropped whole and the stream reset.
 */
export class LeaseChannel {
  readonly protocol: string
  private readonly init: LeaseChannelInit
  private readonly handlers = new Set<LeaseHandler>()
  /** Set synchronously on first use, so concurrent sends share one stream. */
  private readonly outbound = new Map<string, Promise<Outbound>>()
  private readonly inbound = new Set<Stream>()
  /** Peer ids parsed from the strings callers name peers by (parsing one is ~10 µs, once per send otherwise); at most PEER_ID_CACHE. */
  private readonly peerIds = new Map<string, PeerId>()
  private readonly limiter = new RateLimiter(DIRECT_RATE_LIMIT)
  private readonly sinks: AdapterSinks
  private started = false

  constructor (init: LeaseChannelInit) {
    this.init = init
    this.protocol = leaseProtocol(init.network)
    this.sinks = { counter: init.metrics.directMessages, channelLabel: 'type', reputation: init.reputation, logger: init.logger }
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.init.libp2p.handle(this.protocol, (stream, connection) => { void this.read(stream, connection) }, {
      maxInboundStreams: 8,
      // Over relays too: a worker and an owner both behind NATs reach each other only so (relayLimits in ../node/config.ts).
      runOnLimitedConnection: true
    })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.init.libp2p.unhandle(this.protocol)
    const stopped = new Error('lease channel stopped')
    for (const stream of this.inbound) stream.abort(stopped)
    this.inbound.clear()
    const outbound = [...this.outbound.values()]
    this.outbound.clear()
    for (const pending of outbound) void pending.then(out => { out.stream.abort(stopped) }, () => {})
  }

  on (handler: LeaseHandler): () => void {
    this.handlers.add(handler)
    return () => { this.handlers.delete(handler) }
  }

  /** Sends messages to a peer, in as few frames as the count and size limits allow. */
  async send (peer: PeerId | string, messages: LeaseMessage[]): Promise<void> {
    const frames = splitBatches(messages, LIMITS.messagesPerFrame, LIMITS.frameBytes,
      encodeLeaseFrame)
    const target = typeof peer === 'string' ? this.peerIdOf(peer) : peer
    const key = target.toString()
    const first = this.connect(key, target)
    try {
      await this.write(first, frames, target)
    } catch (err) {
      if (err instanceof SlowPeerError) throw err
      // The stream may have died with its connection: forget that one stream, try once more.
      if (this.outbound.get(key) === first) this.outbound.delete(key)
      void first.then(out => { out.stream.abort(new Error('write failed')) }, () => {})
      await this.write(this.connect(key, target), frames, target)
    }
  }

  private peerIdOf (peer: string): PeerId {
    let id = this.peerIds.get(peer)
    if (id == null) {
      id = peerIdFromString(peer)
      if (this.peerIds.size >= PEER_ID_CACHE) this.peerIds.clear()
      this.peerIds.set(peer, id)
    }
    return id
  }

  private connect (key: string, target: PeerId): Promise<Outbound> {
    const existing = this.outbound.get(key)
    if (existing != null) return existing
    const opening = (async (): Promise<Outbound> => {
      const stream = await this.init.libp2p.dialProtocol(target, this.protocol, { signal: AbortSignal.timeout(10_000), runOnLimitedConnection: true })
      stream.addEventListener('close', () => { if (this.outbound.get(key) === opening) this.outbound.delete(key) })
      return { stream, lp: lpStream(stream, { maxDataLength: LIMITS.frameBytes }), queue: Promise.resolve(), queuedBytes: 0 }
    })()
    this.outbound.set(key, opening)
    opening.catch(() => { if (this.outbound.get(key) === opening) this.outbound.delete(key) })
    return opening
  }

  /**
   * Queues frames behind the peer's earlier writes. What is queued for one peer is bounded, and a
   * write that cannot make progress for WRITE_STALL_MS ends it: a peer that does not read is
   * dropped (stream aborted, connection closed), never buffered for without end.
   */
  private async write (pending: Promise<Outbound>, frames: Uint8Array[], target: PeerId): Promise<void> {
    const out = await pending
    const size = frames.reduce((n, frame) => n + frame.byteLength, 0)
    if (out.queuedBytes + size > MAX_QUEUED_BYTES) throw this.drop(target, pending, out, `over ${MAX_QUEUED_BYTES} bytes queued for it`)
    out.queuedBytes += size
    // A signal of its own per write. One AbortController shared by a stream's writes, aborted by
    // a plain timer, was tried (AbortSignal.timeout is ~1.5 % of a busy owner's profile): the
    // bench's drainMs went from ~50 ms to ~2 s, the lease TTL, with the cause not found.
    let stall: AbortSignal | undefined
    const done = out.queue.then(async () => {
      stall = AbortSignal.timeout(WRITE_STALL_MS)
      await out.lp.writeV(frames, { signal: stall })
    })
    out.queue = done.catch(() => {})
    try {
      await done
    } catch (err) {
      if (stall?.aborted === true) throw this.drop(target, pending, out, `no progress writing to it for ${WRITE_STALL_MS} ms`)
      throw err
    } finally {
      out.queuedBytes -= size
    }
  }

  private drop (target: PeerId, pending: Promise<Outbound>, out: Outbound, why: string): SlowPeerError {
    const key = target.toString()
    const error = new SlowPeerError(`dropped ${key}: it does not read (${why})`)
    if (this.outbound.get(key) === pending) {
      this.outbound.delete(key)
      this.init.logger.warn({ peer: key, why }, 'dropping a peer that does not read its lease stream')
      this.init.metrics.directMessages.inc({ type: 'frame', result: 'drop', reason: 'slow_reader' })
      out.stream.abort(error)
      void this.init.libp2p.hangUp(target).catch(() => {})
    }
    return error
  }

  private async read (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    const lp = lpStream(stream, { maxDataLength: LIMITS.frameBytes })
    this.inbound.add(stream)
    try {
      for (;;) {
        let bytes: Uint8Array
        try {
          bytes = (await lp.read()).subarray()
        } catch (err) {
          // End of stream, or a length prefix over the frame limit.
          if ((err as { name?: string }).name === 'InvalidDataLengthError') {
            await runValidation(this.sinks, 'frame', () => ({ deliverer: remote.toString() }), () => { fail('oversized', 'frame over the size limit') })
            stream.abort(new Error('frame too large'))
          }
          return
        }
        const accepted = await this.receiveFrame(bytes, remote)
        if (accepted == null) {
          stream.abort(new Error('protocol violation'))
          return
        }
        await this.pace(remote.toString(), accepted.length)
        for (const body of accepted) this.deliver(body, remote.toString())
      }
    } finally {
      this.inbound.delete(stream)
      await stream.close().catch(() => { stream.abort(new Error('close failed')) })
    }
  }

  /** Waits until the peer's bucket holds `count` tokens: reading slows, the sender is throttled. */
  private async pace (peer: string, count: number): Promise<void> {
    const { clock } = this.init
    while (this.started && !this.limiter.take(peer, clock.now(), count)) {
      await new Promise<void>(resolve => { clock.setTimeout(resolve, Math.ceil((count / DIRECT_RATE_LIMIT.rate) * 1000)) })
    }
  }

  /** The frame's messages if every one of them is valid and authored by the remote peer, else undefined. */
  private async receiveFrame (bytes: Uint8Array, remote: PeerId): Promise<LeaseBody[] | undefined> {
    const bodies: LeaseBody[] = []
    const outcome = await runValidation(this.sinks, 'frame', () => ({ deliverer: remote.toString() }), () => {
      const frame = decodeLeaseFrame(bytes)
      frame.messages.forEach((message, i) => {
        const { body, author } = checkLeaseMessage(message, `messages[${i}]`)
        if (!isPeer(author, remote)) fail('author_mismatch', `messages[${i}] (${body.type}) names another peer as its author`)
        bodies.push(body)
      })
    })
    if (outcome.action !== 'accept') return undefined
    for (const body of bodies) this.init.metrics.directMessages.inc({ type: body.type, result: 'accept', reason: '' })
    return bodies
  }

  private deliver (body: LeaseBody, from: string): void {
    for (const handler of this.handlers) {
      try {
        handler(body, from)
      } catch (err) {
        this.init.logger.error({ err, type: body.type }, 'lease handler failed')
      }
    }
  }
}
