import { createHash } from 'node:crypto'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { blobProtocol } from './topics.js'
import { LIMITS, PROTOCOL_VERSION } from './wire/limits.js'
import { BlobRequest, BlobResponse, BlobStatus } from './wire/mesh.js'
import type { Logger } from '../logger.js'
import type { MeshMetrics } from '../metrics.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

/**
 * Point-to-point transfer of bytes by their SHA-256: task inputs and wasm modules over the
 * inline limit (a worker fetches them from the task's owner) and large outputs (an owner fetches
 * them from the worker that reported them). One fetch per stream: a request, a response header,
 * then the bytes in chunks. The requester says the most it will take and checks the hash; the
 * server decides who may read what (`source`) and how many transfers it serves at once.
 */

/** A blob to serve: its size and a way to read it a chunk at a time (each read costs O(length), not O(size)). */
export interface BlobHandle {
  size: number
  read: (offset: number, length: number) => Uint8Array
}

/** What a peer may fetch by hash (hex), or undefined: unknown, or not for that peer. */
export type BlobSource = (hash: string, peer: string) => BlobHandle | undefined

export interface BlobChannelInit {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>
  network: string
  logger: Logger
  metrics: MeshMetrics
  reputation: ReputationHook
  source: BlobSource
  /** Transfers served at once, in all and to one peer; over either, requesters hear BLOB_BUSY. */
  maxServing?: number
  maxServingPerPeer?: number
}

/** Request and response headers are small; anything longer is not one. */
/** How long a peer has to send its request once it opened a blob stream. */
const REQUEST_TIMEOUT_MS = 10_000
/** Read failures that are the sender's bytes (a length prefix over the header limit), not the stream ending. */
const OVERSIZED_READS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError'])

const MAX_HEADER_BYTES = 128

export class BlobError extends Error {
  constructor (readonly code: 'not_found' | 'too_large' | 'busy' | 'bad_data', message: string) {
    super(message)
  }
}

export class BlobChannel {
  readonly protocol: string
  private readonly init: BlobChannelInit
  private readonly streams = new Set<Stream>()
  private serving = 0
  private readonly servingTo = new Map<string, number>()
  private started = false

  constructor (init: BlobChannelInit) {
    this.init = init
    this.protocol = blobProtocol(init.network)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.init.libp2p.handle(this.protocol, (stream, connection) => { void this.serve(stream, connection) }, {
      maxInboundStreams: 8,
      // Over relays too, within the data a relayed connection may carry (relayLimits in ../node/config.ts): a larger
      // blob breaks the connection at the limit, and its fetch fails and is tried again.
      runOnLimitedConnection: true
    })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.init.libp2p.unhandle(this.protocol)
    for (const stream of this.streams) stream.abort(new Error('blob channel stopped'))
    this.streams.clear()
  }

  /**
   * Fetches the bytes whose SHA-256 is `hash` from `peer`, taking at most `maxSize` bytes.
   * Throws a BlobError (not found, too large, busy, or bytes that do not match the hash: the
   * last also counts against the peer) or the stream's own error.
   */
  async fetch (peer: string, hash: Uint8Array, maxSize: number, signal: AbortSignal = AbortSignal.timeout(120_000)): Promise<Uint8Array> {
    const stream = await this.init.libp2p.dialProtocol(peerIdFromString(peer), this.protocol, { signal, runOnLimitedConnection: true })
    this.streams.add(stream)
    // One reader for the header and the chunks; its buffer may hold what yamux lets in flight.
    const lp = lpStream(stream, { maxDataLength: LIMITS.blobChunkBytes, maxBufferSize: 64 * LIMITS.blobChunkBytes })
    try {
      await lp.write(BlobRequest.encode({ version: PROTOCOL_VERSION, hash: hash as Uint8Array<ArrayBuffer>, maxSize }), { signal })
      const header = (await lp.read({ signal })).subarray()
      if (header.byteLength > MAX_HEADER_BYTES) throw this.violation(peer, 'blob response header too long')
      let response: BlobResponse
      try {
        response = BlobResponse.decode(header)
      } catch {
        throw this.violation(peer, 'malformed blob response')
      }
      if (response.status === BlobStatus.BLOB_NOT_FOUND) throw new BlobError('not_found', 'the peer does not have it (or not for us)')
      if (response.status === BlobStatus.BLOB_BUSY) throw new BlobError('busy', 'the peer is busy; try again later')
      if (response.status === BlobStatus.BLOB_TOO_LARGE) throw new BlobError('too_large', `larger than ${maxSize} bytes`)
      if (response.status !== BlobStatus.BLOB_OK || response.size > maxSize) throw this.violation(peer, `bad blob response (status ${response.status}, size ${response.size})`)
      const data = new Uint8Array(response.size)
      const digest = createHash('sha256')
      let received = 0
      while (received < response.size) {
        const chunk = (await lp.read({ signal })).subarray()
        if (chunk.byteLength === 0 || received + chunk.byteLength > response.size) throw this.violation(peer, 'blob chunks do not add up to its size')
        data.set(chunk, received)
        digest.update(chunk)
        received += chunk.byteLength
      }
      if (!digest.digest().equals(hash)) throw this.violation(peer, 'blob bytes do not match their hash')
      this.init.metrics.blobTransfers.inc({ direction: 'in', result: 'ok' })
      this.init.metrics.blobBytes.inc({ direction: 'in' }, received)
      await stream.close().catch(() => {})
      return data
    } catch (err) {
      this.init.metrics.blobTransfers.inc({ direction: 'in', result: err instanceof BlobError ? err.code : 'error' })
      stream.abort(err as Error)
      throw err
    } finally {
      this.streams.delete(stream)
    }
  }

  private violation (peer: string, detail: string): BlobError {
    this.init.reputation.report(peer, 'invalid_message', detail)
    return new BlobError('bad_data', detail)
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    this.streams.add(stream)
    const headers = lpStream(stream, { maxDataLength: MAX_HEADER_BYTES })
    const signal = AbortSignal.timeout(120_000)
    let counted = false
    try {
      // A stream that ends, resets or times out before its request, or that this node closes, is
      // no violation (a fetch given up, a connection lost): only bytes that are not a request (or
      // a request over its size) are charged. The request gets 10 s, not the transfer's 120 s.
      let bytes: Uint8Array
      try {
        bytes = (await headers.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) })).subarray()
      } catch (err) {
        if (!OVERSIZED_READS.has((err as { name?: string } | undefined)?.name ?? '') || !this.started) {
          this.init.metrics.blobTransfers.inc({ direction: 'out', result: 'no_request' })
          stream.abort(err instanceof Error ? err : new Error('no blob request'))
          return
        }
        bytes = new Uint8Array()
      }
      let request: BlobRequest | undefined
      try {
        request = BlobRequest.decode(bytes)
        if (request.hash.byteLength !== LIMITS.hashBytes || !Number.isSafeInteger(request.maxSize)) request = undefined
      } catch {
        request = undefined
      }
      if (request == null) {
        this.init.reputation.report(peer, 'invalid_message', 'malformed blob request')
        this.init.metrics.blobTransfers.inc({ direction: 'out', result: 'bad_request' })
        stream.abort(new Error('malformed blob request'))
        return
      }
      const reply = async (status: BlobStatus, size = 0): Promise<void> => {
        await headers.write(BlobResponse.encode({ version: PROTOCOL_VERSION, status, size }), { signal })
      }
      if (this.serving >= (this.init.maxServing ?? 16) || (this.servingTo.get(peer) ?? 0) >= (this.init.maxServingPerPeer ?? 2)) {
        this.init.metrics.blobTransfers.inc({ direction: 'out', result: 'busy' })
        await reply(BlobStatus.BLOB_BUSY)
        return
      }
      this.serving++
      this.servingTo.set(peer, (this.servingTo.get(peer) ?? 0) + 1)
      counted = true
      const data = this.init.source(Buffer.from(request.hash).toString('hex'), peer)
      if (data == null) {
        this.init.metrics.blobTransfers.inc({ direction: 'out', result: 'not_found' })
        await reply(BlobStatus.BLOB_NOT_FOUND)
        return
      }
      if (data.size > request.maxSize) {
        this.init.metrics.blobTransfers.inc({ direction: 'out', result: 'too_large' })
        await reply(BlobStatus.BLOB_TOO_LARGE, data.size)
        return
      }
      await reply(BlobStatus.BLOB_OK, data.size)
      for (let offset = 0; offset < data.size; offset += LIMITS.blobChunkBytes) {
        const chunk = data.read(offset, Math.min(LIMITS.blobChunkBytes, data.size - offset))
        if (chunk.byteLength === 0) throw new Error('blob shrank while being served')
        await headers.write(chunk, { signal })
        // A write the stream buffers resolves at once: without a turn of the event loop between
        // chunks, a fast reader would have the whole blob read and encrypted in one task.
        await new Promise(resolve => { setImmediate(resolve) })
      }
      this.init.metrics.blobTransfers.inc({ direction: 'out', result: 'ok' })
      this.init.metrics.blobBytes.inc({ direction: 'out' }, data.size)
    } catch (err) {
      this.init.logger.debug({ peer, err: (err as Error).message }, 'blob transfer failed')
      stream.abort(err as Error)
    } finally {
      if (counted) {
        this.serving--
        const n = (this.servingTo.get(peer) ?? 1) - 1
        if (n <= 0) this.servingTo.delete(peer)
        else this.servingTo.set(peer, n)
      }
      this.streams.delete(stream)
      await stream.close().catch(() => {})
    }
  }
}
