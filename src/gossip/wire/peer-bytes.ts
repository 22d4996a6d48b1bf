import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { equals } from 'uint8arrays/equals'
import type { PeerId } from '@libp2p/interface'

/** Bytes of peer id strings seen lately (a string parses in ~2 µs: an owner names its workers in every message). */
const BYTES_OF = new Map<string, Uint8Array<ArrayBuffer>>()
const BYTES_OF_MAX = 1024

/** Peer ids travel as the binary multihash of the public key. A fresh copy: callers may keep or change it. */
export function peerIdToBytes (peer: PeerId | string): Uint8Array<ArrayBuffer> {
  if (typeof peer !== 'string') return new Uint8Array(peer.toMultihash().bytes)
  let bytes = BYTES_OF.get(peer)
  if (bytes == null) {
    bytes = new Uint8Array(peerIdFromString(peer).toMultihash().bytes)
    if (BYTES_OF.size >= BYTES_OF_MAX) BYTES_OF.clear()
    BYTES_OF.set(peer, bytes)
  }
  return bytes.slice()
}

/** The peer id in these bytes, or undefined when they are not one. */
export function peerIdFromBytes (bytes: Uint8Array): PeerId | undefined {
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch {
    return undefined
  }
}

export function isPeer (bytes: Uint8Array, peer: PeerId): boolean {
  return equals(bytes, peer.toMultihash().bytes)
}
