import { createHash, randomBytes } from 'node:crypto'
import type { GossipSub } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { expect } from 'vitest'
import { createStranger } from './stranger.js'
import { blobProtocol, leaseProtocol, meshTopic } from '../../src/gossip/topics.js'
import { checkLeaseMessage, decodeLeaseFrame, decodeTaskAnnounce, type LeaseBody } from '../../src/gossip/wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from '../../src/gossip/wire/limits.js'
import { BlobRequest, BlobResponse, BlobStatus, LeaseFrame, TaskAnnounce, type LeaseMessage, type TaskOffer } from '../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { addrOf } from './nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { Stream } from '@libp2p/interface'

/**
 * A stranger on the mesh built only from npm libp2p packages (tcp, noise, yamux, gossipsub,
 * identify, as src/node/libp2p.ts assembles them) and the project's wire schema and codec: it
 * publishes what it likes on gossip, answers the lease protocol, and serves or fetches blobs.
 */
export class BarePeer {
  /** Every lease message received, with its sender, in order. */
  readonly received: Array<{ body: LeaseBody, from: string }> = []
  /** Hashes (hex) peers asked this peer's blob server for. */
  readonly blobRequests: string[] = []
  /** Bytes this peer's blob server hands out, by hash (hex). */
  readonly blobs = new Map<string, Uint8Array>()
  /** False: accept lease streams and never read them, holding back yamux window updates (a peer that lets replies pile up at the sender). */
  readsLeases = true
  /** What to answer a claim with (nothing by default). */
  onClaim: (body: Extract<LeaseBody, { type: 'claim' }>, from: string) => LeaseMessage[] = () => []

  private constructor (readonly libp2p: Libp2p<{ pubsub: GossipSub }>, readonly network: string) {}

  static async create (network = 'mesh'): Promise<BarePeer> {
    const libp2p = await createStranger()
    const peer = new BarePeer(libp2p, network)
    await libp2p.handle(leaseProtocol(network), (stream, connection) => { void peer.readLeases(stream, connection.remotePeer.toString()) })
    await libp2p.handle(blobProtocol(network), (stream) => { void peer.serveBlob(stream) })
    libp2p.services.pubsub.subscribe(meshTopic(network, 'announce'))
    return peer
  }

  get id (): string {
    return this.libp2p.peerId.toString()
  }

  get bytes (): Uint8Array<ArrayBuffer> {
    return peerIdToBytes(this.libp2p.peerId)
  }

  /** Connects to the nodes and waits until announcements flow both ways on gossip. */
  async join (nodes: MeshNode[]): Promise<void> {
    const topic = meshTopic(this.network, 'announce')
    for (const node of nodes) await this.libp2p.dial(multiaddr(addrOf(node)))
    for (const node of nodes) {
      await expect.poll(() => node.libp2p.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(this.id)
      await expect.poll(() => this.libp2p.services.pubsub.getSubscribers(topic).map(String), { timeout: 20_000 }).toContain(node.peerId)
    }
  }

  /** The task offers other peers announce on gossip, as they arrive. */
  onAnnounce (handler: (offers: TaskOffer[], from: string) => void): void {
    const topic = meshTopic(this.network, 'announce')
    this.libp2p.services.pubsub.addEventListener('message', event => {
      const message = event.detail
      if (message.topic !== topic || message.type !== 'signed') return
      try {
        handler(decodeTaskAnnounce(message.data).tasks, message.from.toString())
      } catch {}
    })
  }

  /** Publishes a signed announcement of its own tasks. */
  async announce (offers: TaskOffer[]): Promise<void> {
    const data = TaskAnnounce.encode({ version: PROTOCOL_VERSION, author: this.bytes, timestamp: Date.now(), tasks: offers })
    await this.libp2p.services.pubsub.publish(meshTopic(this.network, 'announce'), data)
  }

  /** Sends lease messages to a peer on a stream of their own. */
  async send (peer: string, messages: LeaseMessage[]): Promise<void> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), leaseProtocol(this.network))
    await lpStream(stream, { maxDataLength: LIMITS.frameBytes }).write(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages }))
    await stream.close()
  }

  /**
   * Fetches a blob from a peer over the blob protocol: the status it answered and, if OK, the
   * size, SHA-256 (hex) and (unless `keep` is false) the bytes of what arrived.
   */
  async fetchBlob (peer: string, hash: Uint8Array, { maxSize = LIMITS.blobBytes, keep = true }: { maxSize?: number, keep?: boolean } = {}): Promise<{ status: BlobStatus, bytes?: Uint8Array, sha256?: string, size?: number }> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), blobProtocol(this.network))
    const lp = lpStream(stream, { maxDataLength: LIMITS.blobChunkBytes, maxBufferSize: 64 * LIMITS.blobChunkBytes })
    const signal = AbortSignal.timeout(300_000)
    try {
      await lp.write(BlobRequest.encode({ version: PROTOCOL_VERSION, hash: hash as Uint8Array<ArrayBuffer>, maxSize }), { signal })
      const response = BlobResponse.decode((await lp.read({ signal })).subarray())
      if (response.status !== BlobStatus.BLOB_OK) return { status: response.status }
      const bytes = keep ? new Uint8Array(response.size) : undefined
      const digest = createHash('sha256')
      let at = 0
      while (at < response.size) {
        const chunk = (await lp.read({ signal })).subarray()
        bytes?.set(chunk, at)
        digest.update(chunk)
        at += chunk.byteLength
      }
      return { status: response.status, size: at, sha256: digest.digest('hex'), ...(bytes != null ? { bytes } : {}) }
    } finally {
      await stream.close().catch(() => { stream.abort(new Error('closed')) })
    }
  }

  /** Lease messages of one type received so far. */
  messages<T extends LeaseBody['type']> (type: T): Array<Extract<LeaseBody, { type: T }>> {
    return this.received.filter(r => r.body.type === type).map(r => r.body as Extract<LeaseBody, { type: T }>)
  }

  async stop (): Promise<void> {
    await this.libp2p.stop()
  }

  private async readLeases (stream: Stream, from: string): Promise<void> {
    if (!this.readsLeases) {
      // Stop reading at the muxer too: no window updates, so the sender's writes back up.
      stream.pause()
      return
    }
    const lp = lpStream(stream, { maxDataLength: LIMITS.frameBytes })
    try {
      for (;;) {
        const frame = decodeLeaseFrame((await lp.read()).subarray())
        for (const [i, message] of frame.messages.entries()) {
          const { body } = checkLeaseMessage(message, `messages[${i}]`)
          this.received.push({ body, from })
          if (body.type === 'claim') {
            const replies = this.onClaim(body, from)
            if (replies.length > 0) void this.send(from, replies).catch(() => {})
          }
        }
      }
    } catch {
      await stream.close().catch(() => {})
    }
  }

  private async serveBlob (stream: Stream): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: LIMITS.blobChunkBytes })
    try {
      const request = BlobRequest.decode((await lp.read()).subarray())
      const hash = Buffer.from(request.hash).toString('hex')
      this.blobRequests.push(hash)
      const bytes = this.blobs.get(hash)
      if (bytes == null) {
        await lp.write(BlobResponse.encode({ version: PROTOCOL_VERSION, status: BlobStatus.BLOB_NOT_FOUND, size: 0 }))
      } else {
        await lp.write(BlobResponse.encode({ version: PROTOCOL_VERSION, status: BlobStatus.BLOB_OK, size: bytes.byteLength }))
        for (let at = 0; at < bytes.byteLength; at += LIMITS.blobChunkBytes) await lp.write(bytes.subarray(at, at + LIMITS.blobChunkBytes))
      }
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }
}

/** A task offer of the bare peer's own, with the fields a worker needs; `overrides` on top. */
export function offer (overrides: Partial<TaskOffer> = {}): TaskOffer {
  return {
    taskId: new Uint8Array(randomBytes(32)),
    kind: 'echo',
    redundancy: 1,
    timeoutMs: 30_000,
    maxAttempts: 1,
    priority: 0,
    deadline: Date.now() + 120_000,
    input: new Uint8Array(),
    inputHash: new Uint8Array(createHash('sha256').digest()),
    inputSize: 0,
    openReplicas: [0],
    slots: 1,
    memoryBytes: 0,
    deterministic: true,
    module: new Uint8Array(),
    moduleHash: new Uint8Array(),
    moduleSize: 0,
    ...overrides
  }
}

/** A grant of replica 0 of `task` to `worker`, owned by `owner`, for a long lease. */
export function grant (owner: BarePeer, worker: string, task: TaskOffer, epoch = 1): LeaseMessage {
  return {
    grant: {
      task: { owner: owner.bytes, taskId: task.taskId, replica: 0, epoch },
      worker: peerIdToBytes(worker),
      expiresAt: Date.now() + 120_000,
      ttlMs: 120_000,
      offer: task
    }
  }
}
