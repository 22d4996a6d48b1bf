import { createHash } from 'node:crypto'
import type { Message } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'

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

/**
 * A received copy's fast id: SHA-256 over its topic, `from`, data and signature, each
 * length-prefixed. gossipsub verifies a message's signature before it looks for a duplicate
 * unless a fast id names the copy first, and with a mesh degree of 6 a node receives most
 * messages several times: every copy cost an Ed25519 verification (≈ 0.1 ms here, 13 % of an
 * idle 10-node mesh's CPU). gossipsub records a fast id only after the copy carrying it passed
 * the signature check, and the signature covers the sequence number and the data, so what a
 * known fast id skips is a copy of a message that passed (another sequence number or key field
 * on the same signature could not have passed, and has the same message id anyway); any other
 * copy (re-signed, altered, another topic) gets a fast id of its own and the full check.
 */
export function fastMessageId (msg: RPC.Message): string {
  return fastId(msg.topic, msg.from, msg.data, msg.signature)
}

/** The fast id of the copy a validated message came in (to forget it, as its message id). */
export function fastMessageIdOf (msg: Message): string {
  return msg.type === 'signed'
    ? fastId(msg.topic, msg.from.toMultihash().bytes, msg.data, msg.signature)
    : fastId(msg.topic, undefined, msg.data, undefined)
}

function fastId (topic: string, ...fields: Array<Uint8Array | undefined>): string {
  const hash = createHash('sha256')
  const name = Buffer.from(topic, 'utf8')
  hash.update(lengthPrefix(name.byteLength)).update(name)
  for (const field of fields) {
    // An absent field and an empty one differ.
    hash.update(lengthPrefix(field == null ? 0xffffffff : field.byteLength))
    if (field != null) hash.update(field)
  }
  return hash.digest('base64')
}
