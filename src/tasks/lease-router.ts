import type { LeaseChannel, LeaseHandler } from '../gossip/lease-channel.js'
import { checkLeaseMessage } from '../gossip/wire/codec.js'
import type { LeaseMessage } from '../gossip/wire/mesh.js'
import type { Logger } from '../logger.js'

/**
 * Lease messages to any peer, including this node itself: a node that owns tasks and also works
 * runs its own tasks through the same claim/grant/result path, delivered locally instead of
 * over a stream (libp2p cannot dial itself).
 */
export class LeaseRouter {
  private readonly local = new Set<LeaseHandler>()

  constructor (private readonly channel: LeaseChannel, private readonly self: string, private readonly logger: Logger) {}

  on (handler: LeaseHandler): () => void {
    const off = this.channel.on(handler)
    this.local.add(handler)
    return () => { off(); this.local.delete(handler) }
  }

  async send (peer: string, messages: LeaseMessage[]): Promise<void> {
    if (peer !== this.self) {
      await this.channel.send(peer, messages)
      return
    }
    await Promise.resolve()
    for (const [i, message] of messages.entries()) {
      // The same checks a peer's message gets: a bug here shows up here, not on the wire.
      const { body } = checkLeaseMessage(message, `messages[${i}]`)
      for (const handler of this.local) {
        try {
          handler(body, this.self)
        } catch (err) {
          this.logger.error({ err, type: body.type }, 'lease handler failed')
        }
      }
    }
  }
}
