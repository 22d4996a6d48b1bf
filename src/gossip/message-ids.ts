import { createHash } from 'node:crypto'
import type { Message } from '@libp2p/gossipsub'

/**
 * Gossip message ids by content: SHA-256 of the message data. The id is also remembered per
 * message object, so the validator reuses it (for replay detection) instead of hashing again.
 */
export class MessageIds {
  private readonly ids = new WeakMap<Message, string>()

  /** gossipsub's msgIdFn. */
  readonly msgIdFn = (msg: Message): Uint8Array => {
    const digest = createHash('sha256').update(msg.data).digest()
    this.ids.set(msg, digest.toString('hex'))
    return digest
  }

  /** gossipsub's msgIdToStrFn: hex, the same string `idOf` returns. */
  readonly msgIdToStrFn = (id: Uint8Array): string => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')

  idOf (msg: Message): string {
    return this.ids.get(msg) ?? createHash('sha256').update(msg.data).digest('hex')
  }
}
