import { generateKeyPair } from '@libp2p/crypto/keys'
import type { GossipSub } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { expect } from 'vitest'
import { createStranger } from './stranger.js'
import { decodeLeaseFrame, decodeTaskAnnounce } from '../../src/gossip/wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from '../../src/gossip/wire/limits.js'
import { LeaseFrame, type ResultStatus, type LeaseMessage, type TaskOffer, type TaskRef } from '../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { leaseProtocol, meshTopic } from '../../src/gossip/topics.js'
import { resultMessage } from '../../src/sim/wire.js'
import { toHex } from '../../src/tasks/spec.js'
import type { PrivateKey, Stream } from '@libp2p/interface'

/**
 * A stranger on the mesh built only from npm libp2p packages and the project's wire schema and
 * codec (no MeshNode, no TaskWorker): it hears announcements, and speaks the lease protocol as
 * it likes. Attack tests drive it by hand.
 */
export class WirePeer {
  /** Offers heard, by owner, newest last. */
  readonly offers: Array<{ owner: string, offer: TaskOffer }> = []
  /** Lease messages received, in order, with their sender. */
  readonly inbox: Array<{ from: string, message: LeaseMessage }> = []
  private readonly outbound = new Map<string, Promise<{ stream: Stream, lp: LengthPrefixedStream<Stream> }>>()

  private constructor (readonly libp2p: Libp2p<{ pubsub: GossipSub }>, readonly privateKey: PrivateKey, readonly network: string) {}

  static async create (network = 'mesh'): Promise<WirePeer> {
    const privateKey = await generateKeyPair('Ed25519')
    const libp2p = await createStranger(privateKey)
    const peer = new WirePeer(libp2p, privateKey, network)
    const announce = meshTopic(network, 'announce')
    libp2p.services.pubsub.subscribe(announce)
    libp2p.services.pubsub.addEventListener('message', event => {
      if (event.detail.topic !== announce || event.detail.type !== 'signed') return
      try {
        const message = decodeTaskAnnounce(event.detail.data)
        for (const offer of message.tasks) peer.offers.push({ owner: event.detail.from.toString(), offer })
      } catch {}
    })
    await libp2p.handle(leaseProtocol(network), (stream, connection) => { void peer.read(stream, connection.remotePeer.toString()) })
    return peer
  }

  get id (): string {
    return this.libp2p.peerId.toString()
  }

  get bytes (): Uint8Array<ArrayBuffer> {
    return peerIdToBytes(this.libp2p.peerId)
  }

  async connect (addr: string): Promise<void> {
    await this.libp2p.dial(multiaddr(addr))
  }

  /** Waits until an owner has announced the task, and returns its offer. */
  async offerOf (taskId: string, timeout = 30_000): Promise<{ owner: string, offer: TaskOffer }> {
    await expect.poll(() => this.offers.some(o => toHex(o.offer.taskId) === taskId), { timeout, interval: 50 }).toBe(true)
    return this.offers.find(o => toHex(o.offer.taskId) === taskId) as { owner: string, offer: TaskOffer }
  }

  /** Waits for a lease message that `match` accepts, received after `since` messages. */
  async receive (match: (message: LeaseMessage) => boolean, since = 0, timeout = 30_000): Promise<LeaseMessage> {
    await expect.poll(() => this.inbox.slice(since).some(m => match(m.message)), { timeout, interval: 25 }).toBe(true)
    return this.inbox.slice(since).find(m => match(m.message))?.message as LeaseMessage
  }

  async send (peer: string, messages: LeaseMessage[]): Promise<void> {
    let pending = this.outbound.get(peer)
    if (pending == null) {
      pending = (async () => {
        const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), leaseProtocol(this.network))
        return { stream, lp: lpStream(stream, { maxDataLength: LIMITS.frameBytes }) }
      })()
      this.outbound.set(peer, pending)
    }
    const { lp } = await pending
    await lp.write(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages }))
  }

  ref (owner: string, taskId: Uint8Array, replica: number, epoch: number): TaskRef {
    return { owner: peerIdToBytes(owner), taskId: taskId as Uint8Array<ArrayBuffer>, replica, epoch }
  }

  /** Claims a replica and waits for the owner's answer (a grant or a refusal). */
  async claim (owner: string, taskId: Uint8Array, replica: number): Promise<LeaseMessage> {
    const since = this.inbox.length
    await this.send(owner, [{ claim: { task: this.ref(owner, taskId, replica, 0), worker: this.bytes } }])
    return await this.receive(m => (m.grant != null || m.refusal != null) && toHex((m.grant ?? m.refusal)?.task?.taskId ?? new Uint8Array()) === toHex(taskId), since)
  }

  /** A result signed with this peer's own key, as a worker would send it. */
  async result (task: TaskRef, status: ResultStatus, output: Uint8Array, error = ''): Promise<LeaseMessage> {
    return await resultMessage(this.privateKey, task, status, output, error)
  }

  async stop (): Promise<void> {
    await this.libp2p.stop()
  }

  private async read (stream: Stream, from: string): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: LIMITS.frameBytes })
    try {
      for (;;) {
        const frame = decodeLeaseFrame((await lp.read()).subarray())
        for (const message of frame.messages) this.inbox.push({ from, message })
      }
    } catch {
      // End of stream.
    }
  }
}
