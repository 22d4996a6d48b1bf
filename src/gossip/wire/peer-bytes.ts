import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { equals } from 'uint8arrays/equals'
import type { PeerId } from '@libp2p/interface'

/** Peer ids travel as the binary multihash of the public key. */
export function peerIdToBytes (peer: PeerId | string): Uint8Array<ArrayBuffer> {
  const id = typeof peer === 'string' ? peerIdFromString(peer) : peer
  return new Uint8Array(id.toMultihash().bytes)
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
