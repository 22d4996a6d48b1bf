import { parseTopic, topicName } from './topics.js'
import type { Logger } from '../logger.js'
import type { GossipSub, GossipsubMessage } from '@libp2p/gossipsub'

export interface GossipMessage {
  /** The signer (StrictSign): the peer that authored the message. */
  from: string
  /** The peer that forwarded it to us. */
  propagationSource: string
  name: string
  version: number
  data: Uint8Array
}

export type GossipHandler = (message: GossipMessage) => void | Promise<void>

export interface GossipBusInit {
  pubsub: GossipSub
  network: string
  logger: Logger
}

/**
 * The node's view of gossipsub: topics named within its network, handlers fed only with
 * messages that passed validation (gossipsub emits `gossipsub:message` after topic validators
 * accept), and handler errors contained so nothing throws out of the gossip event loop.
 */
export class GossipBus {
  private readonly pubsub: GossipSub
  private readonly network: string
  private readonly logger: Logger
  private readonly handlers = new Map<string, Set<GossipHandler>>()
  private started = false

  constructor ({ pubsub, network, logger }: GossipBusInit) {
    this.pubsub = pubsub
    this.network = network
    this.logger = logger
  }

  start (): void {
    if (this.started) return
    this.started = true
    this.pubsub.addEventListener('gossipsub:message', this.onMessage)
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.pubsub.removeEventListener('gossipsub:message', this.onMessage)
  }

  topic (name: string, version = 1): string {
    return topicName({ network: this.network, name, version })
  }

  subscribe (name: string, handler: GossipHandler, version = 1): () => void {
    const topic = this.topic(name, version)
    let set = this.handlers.get(topic)
    if (set == null) {
      set = new Set()
      this.handlers.set(topic, set)
      this.pubsub.subscribe(topic)
    }
    set.add(handler)
    return () => {
      const current = this.handlers.get(topic)
      if (current == null) return
      current.delete(handler)
      if (current.size === 0) {
        this.handlers.delete(topic)
        // After a stop gossipsub has dropped its subscriptions already (and would throw).
        if (this.started) this.pubsub.unsubscribe(topic)
      }
    }
  }

  /** Publishes and returns how many peers it was sent to. */
  async publish (name: string, data: Uint8Array, version = 1): Promise<number> {
    const result = await this.pubsub.publish(this.topic(name, version), data)
    return result.recipients.length
  }

  /** Peers that told us they subscribe to a topic of ours. */
  subscribers (name: string, version = 1): string[] {
    return this.pubsub.getSubscribers(this.topic(name, version)).map(peer => peer.toString())
  }

  private readonly onMessage = (event: CustomEvent<GossipsubMessage>): void => {
    const { msg, propagationSource } = event.detail
    const handlers = this.handlers.get(msg.topic)
    const parts = parseTopic(msg.topic)
    if (handlers == null || parts == null || parts.network !== this.network || msg.type !== 'signed') return
    const message: GossipMessage = {
      from: msg.from.toString(),
      propagationSource: propagationSource.toString(),
      name: parts.name,
      version: parts.version,
      data: msg.data
    }
    for (const handler of handlers) {
      try {
        const pending = handler(message)
        if (pending != null) pending.catch(err => { this.logger.error({ err, topic: msg.topic }, 'gossip handler failed') })
      } catch (err) {
        this.logger.error({ err, topic: msg.topic }, 'gossip handler failed')
      }
    }
  }
}
