import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { checkLeaseMessage, decodeLeaseFrame, type LeaseBody } from './wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from './wire/limits.js'
import { LeaseFrame, type LeaseMessage } from './wire/mesh.js'
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

/** Messages per second a peer may send us point-to-point (summed over frames). */
export const DIRECT_RATE_LIMIT: RateLimit = { rate: 1000, burst: 4000 }

export type LeaseHandler = (body: LeaseBody, from: string) => void

export interface LeaseChannelInit {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>
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
}

/**
 * The point-to-point half of the wire protocol: claim, grant, renew, release, result, refusal
 * and cancel notices between a task's worker and its owner, batched in length-prefixed frames
 * on a libp2p stream. Noise authenticates the connection, so each message's author must be the
 * stream's remote peer; a frame that breaks any rule is dropped whole and the stream reset.
 */
export class LeaseChannel {
  readonly protocol: string
  private readonly init: LeaseChannelInit
  private readonly handlers = new Set<LeaseHandler>()
  private readonly outbound = new Map<string, Outbound>()
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
      runOnLimitedConnection: false
    })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.init.libp2p.unhandle(this.protocol)
    for (const { stream } of this.outbound.values()) stream.abort(new Error('lease channel stopped'))
    this.outbound.clear()
  }

  on (handler: LeaseHandler): () => void {
    this.handlers.add(handler)
    return () => { this.handlers.delete(handler) }
  }

  /** Sends messages to a peer, batched into as few frames as the limits allow. */
  async send (peer: PeerId | string, messages: LeaseMessage[]): Promise<void> {
    const frames: Uint8Array[] = []
    for (let i = 0; i < messages.length; i += LIMITS.messagesPerFrame) {
      frames.push(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: messages.slice(i, i + LIMITS.messagesPerFrame) }))
    }
    const key = peer.toString()
    const target = typeof peer === 'string' ? peerIdFromString(peer) : peer
    try {
      await this.write(key, target, frames)
    } catch {
      // The stream may have died with its connection: one more try on a fresh one.
      this.outbound.get(key)?.stream.abort(new Error('write failed'))
      this.outbound.delete(key)
      await this.write(key, target, frames)
    }
  }

  private async write (key: string, target: PeerId, frames: Uint8Array[]): Promise<void> {
    let out = this.outbound.get(key)
    if (out == null) {
      const stream = await this.init.libp2p.dialProtocol(target, this.protocol, { signal: AbortSignal.timeout(10_000) })
      out = { stream, lp: lpStream(stream, { maxDataLength: LIMITS.frameBytes }), queue: Promise.resolve() }
      this.outbound.set(key, out)
      stream.addEventListener('close', () => { if (this.outbound.get(key)?.stream === stream) this.outbound.delete(key) })
    }
    const { lp } = out
    const done = out.queue.then(async () => { await lp.writeV(frames) })
    out.queue = done.catch(() => {})
    await done
  }

  private async read (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    const lp = lpStream(stream, { maxDataLength: LIMITS.frameBytes })
    for (;;) {
      let bytes: Uint8Array
      try {
        bytes = (await lp.read()).subarray()
      } catch (err) {
        // End of stream, or a length prefix over the frame limit.
        if ((err as { name?: string }).name === 'InvalidDataLengthError') {
          await runValidation(this.sinks, 'frame', () => remote.toString(), () => { fail('oversized', 'frame over the size limit') })
          stream.abort(new Error('frame too large'))
        }
        return
      }
      const accepted = await this.receiveFrame(bytes, remote)
      if (accepted == null) {
        stream.abort(new Error('protocol violation'))
        return
      }
      for (const body of accepted) this.deliver(body, remote.toString())
    }
  }

  /** The frame's messages if every one of them is valid and authored by the remote peer, else undefined. */
  private async receiveFrame (bytes: Uint8Array, remote: PeerId): Promise<LeaseBody[] | undefined> {
    const bodies: LeaseBody[] = []
    const outcome = await runValidation(this.sinks, 'frame', () => remote.toString(), () => {
      const frame = decodeLeaseFrame(bytes)
      if (!this.limiter.take(remote.toString(), this.init.clock.now(), frame.messages.length)) fail('rate_limited', `over ${DIRECT_RATE_LIMIT.rate} messages/s`)
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
