import { randomBytes } from 'node:crypto'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { concat } from 'uint8arrays/concat'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { Heartbeat, ResultStatus, Verdict, VerdictKind } from '../gossip/wire/mesh.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { PROTOCOL_VERSION } from '../gossip/wire/limits.js'
import type { SignedMessage } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Gossip messages as a hostile peer makes them, below gossipsub's publish path: signed by any key
 * it holds, re-signed copies of others' data, replays of captured messages. Shared by the attack
 * tests and the adversarial simulation.
 */

/**
 * A gossipsub message on `topic` signed by `key`, as gossipsub's StrictSign builds one: the
 * signature covers 'libp2p-pubsub:' and the message without its signature and key.
 */
export async function signedMessage (key: PrivateKey, topic: string, data: Uint8Array): Promise<RPC.Message> {
  const message: RPC.Message = { from: peerIdFromPrivateKey(key).toMultihash().bytes, data, seqno: randomBytes(8), topic }
  const signature = await key.sign(concat([new TextEncoder().encode('libp2p-pubsub:'), RPC.Message.encode(message)]))
  return { ...message, signature, key: publicKeyToProtobuf(key.publicKey) }
}

/** The signed message as it travels in an RPC, to send again untouched. */
export function rawOf (msg: SignedMessage): RPC.Message {
  return {
    from: msg.from.toMultihash().bytes,
    data: msg.data,
    seqno: uint8ArrayFromString(msg.sequenceNumber.toString(16).padStart(16, '0'), 'base16'),
    topic: msg.topic,
    signature: msg.signature,
    key: publicKeyToProtobuf(msg.key)
  }
}

/** A misreport verdict authored by `key` about `subject`, well formed, whose evidence signatures are random bytes. */
export function forgedVerdict (key: PrivateKey, subject: Uint8Array, contradictor: Uint8Array): Uint8Array {
  const author = peerIdToBytes(peerIdFromPrivateKey(key))
  const task = { owner: author, taskId: new Uint8Array(randomBytes(32)), replica: 0, epoch: 1 }
  const result = (worker: Uint8Array, replica: number, fill: number): Verdict['evidence'][number] => ({
    task: { ...task, replica }, worker: worker as Uint8Array<ArrayBuffer>, status: ResultStatus.SUCCEEDED, outputHash: new Uint8Array(32).fill(fill), signature: new Uint8Array(randomBytes(64))
  })
  return Verdict.encode({
    version: PROTOCOL_VERSION,
    author,
    timestamp: Date.now(),
    subject: subject as Uint8Array<ArrayBuffer>,
    kind: VerdictKind.MISREPORT,
    task,
    evidence: [result(subject, 0, 1), result(contradictor, 1, 2)]
  })
}

/**
 * A heartbeat of a peer that does not exist, authored (and to be signed) by `key`, claiming lots
 * of free capacity for `kinds`; due again after `intervalMs`, dialable at `addrs` (binary multiaddrs).
 */
export function phantomHeartbeat (key: PrivateKey, kinds: string[], now = Date.now(), { intervalMs = 1000, addrs = [] }: { intervalMs?: number, addrs?: Array<Uint8Array<ArrayBuffer>> } = {}): Uint8Array {
  return Heartbeat.encode({
    version: PROTOCOL_VERSION,
    author: peerIdToBytes(peerIdFromPrivateKey(key)),
    timestamp: now,
    capabilities: kinds.map(kind => ({ kind, deterministic: true })),
    slotsFree: 64,
    slotsTotal: 64,
    memoryFree: 64 * 1024 ** 3,
    loadMilli: 0,
    intervalMs,
    agent: 'mesh-node/0.1.0',
    addrs
  })
}
