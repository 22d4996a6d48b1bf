import { createHash } from 'node:crypto'
import type { Message } from '@libp2p/gossipsub'

/**
 * Gossip message ids by content: SHA-256 of the message data, so the same bytes are one message
 * whoever relays them (and a replay within gossipsub's seen-cache time is a duplicate).
 */
export function contentMessageId (msg: Message): Uint8Array {
  return createHash('sha256').update(msg.data).digest()
}

export function messageIdToString (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}
