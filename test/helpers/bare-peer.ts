import type { GossipSub } from '@libp2p/gossipsub'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { expect } from 'vitest'
import { createStranger } from './stranger.js'
import { blobProtocol, leaseProtocol, meshTopic } from '../../src/gossip/topics.js'
import { decodeTaskAnnounce, type LeaseBody } from '../../src/gossip/wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from '../../src/gossip/wire/limits.js'
import { BlobRequest, BlobResponse, BlobStatus, TaskAnnounce, type LeaseMessage, type TaskOffer } from '../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { fetchBlob, grantMessage, readLeases, sendLeases, type Fetched } from '../../src/sim/wire.js'
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
  /**
   * The tasks this peer hands out as an owner: each is granted once, to the first worker that
   * pulls (or claims it by name), as an owner would. Empty: it grants nothing.
   */
  grants: TaskOffer[] = []

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
    const data = TaskAnnounce.encode({ version: PROTOCOL_VERSION, author: this.bytes, timestamp: Date.now(), tasks: offers, summary: [] })
    await this.libp2p.services.pubsub.publish(meshTopic(this.network, 'announce'), data)
  }

  /** Sends lease messages to a peer on a stream of their own. */
  async send (peer: string, messages: LeaseMessage[]): Promise<void> {
    await sendLeases(this.libp2p, this.network, peer, messages)
  }

  /**
   * Fetches a blob from a peer over the blob protocol: the status it answered and, if OK, the
   * size, SHA-256 (hex) and (unless `keep` is false) the bytes of what arrived.
   */
  async fetchBlob (peer: string, hash: Uint8Array, options: { maxSize?: number, keep?: boolean } = {}): Promise<Fetched> {
    return await fetchBlob(this.libp2p, this.network, peer, hash, options)
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
    await readLeases(stream, body => {
      this.received.push({ body, from })
      let replies: LeaseMessage[] = []
      if (body.type === 'claim') {
        const i = this.grants.findIndex(t => Buffer.from(t.taskId).equals(body.claim.task.taskId))
        if (i >= 0) replies = [grant(this, from, this.grants.splice(i, 1)[0] as TaskOffer)]
      } else if (body.type === 'pull' && body.pull.count > 0) {
        // It answers a pull only with work: with nothing to grant it says nothing (a fake owner).
        replies = this.grants.splice(0, body.pull.count).map(task => grant(this, from, task))
        if (replies.length > 0) replies.push({ credit: { owner: this.bytes, held: 0, reason: '', unclaimed: this.grants.length } })
      }
      if (replies.length > 0) void this.send(from, replies).catch(() => {})
    })
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

export { offer } from '../../src/sim/wire.js'

/** A grant of replica 0 of `task` to `worker`, owned by `owner`, for a long lease. */
export function grant (owner: BarePeer, worker: string, task: TaskOffer, epoch = 1): LeaseMessage {
  return grantMessage(owner.bytes, worker, task, epoch)
}
