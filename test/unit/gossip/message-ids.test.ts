import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { fastMessageId, fastMessageIdOf, messageId, messageIdToString } from '../../../src/gossip/message-ids.js'
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

const signed = (from: PeerId, topic: string, data: Uint8Array): Message =>
  ({ type: 'signed', from, topic, data, sequenceNumber: 1n, signature: new Uint8Array(64), key: from.publicKey }) as unknown as Message

const idOf = (msg: Message): string => messageIdToString(messageId(msg))

describe('gossip message ids', () => {
  const author = peerIdFromString('12D3KooWNKuBc2NkiCViZ1AqbKJHFvVhsSb6keyuFru4DqWcZBWV')
  const topic = '/mesh-node/mesh/heartbeat/1'

  it('are SHA-256(u32be(len topic) | topic | u32be(len from) | from | data), as docs/PROTOCOL.md §8 gives', () => {
    // Computed independently of this code (Python hashlib) from the formula.
    expect(idOf(signed(author, topic, new Uint8Array([1, 2, 3])))).toBe('8c9e26d45f13773b4457de57f8d9a86a0b387a2afa1a4abf72577cf5381ada3f')
  })

  it('differ when the signer or the topic differs, for the same data', async () => {
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const data = new Uint8Array([1, 2, 3])
    const ids = new Set([
      idOf(signed(author, topic, data)),
      idOf(signed(other, topic, data)),
      idOf(signed(author, '/mesh-node/mesh/announce/1', data))
    ])
    expect(ids.size).toBe(3)
  })

  it('are the same for the same signer, topic and data, whatever the sequence number', () => {
    const data = new Uint8Array([9])
    const again = { ...signed(author, topic, data), sequenceNumber: 2n } as unknown as Message
    expect(idOf(again)).toBe(idOf(signed(author, topic, data)))
  })

  describe('fast ids (a copy already checked is a duplicate before its signature is checked again)', () => {
    const raw = (from: PeerId, data: Uint8Array, signature: Uint8Array, t = topic): { topic: string, from: Uint8Array, data: Uint8Array, signature: Uint8Array, seqno: Uint8Array } =>
      ({ topic: t, from: from.toMultihash().bytes, data, signature, seqno: new Uint8Array(8) })

    it('of a raw copy and of the message validated from it are the same (so a copy forgotten is forgotten whole)', () => {
      const data = new Uint8Array([4, 5])
      const signature = new Uint8Array(64).fill(3)
      const message = { ...signed(author, topic, data), signature } as unknown as Message
      expect(fastMessageIdOf(message)).toBe(fastMessageId(raw(author, data, signature)))
    })

    it('differ when the signature, the data, the signer or the topic differ, and for an absent field and an empty one', async () => {
      const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      const data = new Uint8Array([1])
      const sig = new Uint8Array(64).fill(1)
      const ids = new Set([
        fastMessageId(raw(author, data, sig)),
        fastMessageId(raw(author, data, new Uint8Array(64).fill(2))),
        fastMessageId(raw(author, new Uint8Array([2]), sig)),
        fastMessageId(raw(other, data, sig)),
        fastMessageId(raw(author, data, sig, '/mesh-node/mesh/announce/1')),
        fastMessageId({ topic, from: author.toMultihash().bytes, data, signature: new Uint8Array(0) }),
        fastMessageId({ topic, from: author.toMultihash().bytes, data })
      ])
      expect(ids.size).toBe(7)
    })
  })
})
