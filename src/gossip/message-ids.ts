import { createHash } from 'node:crypto'
import type { Message } from '@libp2p/gossipsub'

/**
 * Gossip message ids bind the topic, the signer and the data (docs/PROTOCOL.md §8):
 *
 *   SHA-256( u32be(len(topic)) || topic || u32be(len(from)) || from || data )
 *
 * with `topic` in UTF-8 and `from` the signer's peer id as a binary multihash (empty for an
 * unsigned message, which StrictSign refuses before ids are taken). gossipsub records an id
 * before the topic validator runs, so an id that named the data alone let anyone poison it: a
 * copy of an honest message re-signed with another key, or sent on another topic, got the
 * genuine message dropped as its duplicate and its honest relays penalized for a rejected
 * message. Bound to the signer (which StrictSign has checked by then, and which must be the
 * author), a copy under another key is another message. The same bytes from the same signer on
 * the same topic stay one message whoever relays them, so a replay is a duplicate while its id
 * is remembered.
 */
export function messageId (msg: Message): Uint8Array {
  const topic = Buffer.from(msg.topic, 'utf8')
  const from = msg.type === 'signed' ? msg.from.toMultihash().bytes : new Uint8Array(0)
  return createHash('sha256')
    .update(lengthPrefix(topic.byteLength)).update(topic)
    .update(lengthPrefix(from.byteLength)).update(from)
    .update(msg.data)
    .digest()
}

function lengthPrefix (length: number): Uint8Array {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(length)
  return bytes
}

export function messageIdToString (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}
