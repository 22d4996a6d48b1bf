import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writePrivateFile } from './private-files.js'

// The node's peer id without libp2p: `mesh-node id` answers from the CLI's light bundle when the
// data dir holds a peer.id that matches its peer.key. No libp2p here.

/** The node's key (libp2p's protobuf encoding; ./identity.ts makes and reads it). */
export const KEY_FILE = 'peer.key'
/**
 * `{"peerId": <the key's peer id>, "mac": <HMAC-SHA256 of the peer id, keyed with peer.key's
 * bytes, hex>}`, 0600: only whoever can read the key can write a peer.id that `id` believes, and
 * a key replaced since no longer matches.
 */
export const PEER_ID_FILE = 'peer.id'

const mac = (key: Uint8Array, peerId: string): Buffer => createHmac('sha256', key).update(peerId).digest()
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,100}$/
const MAC = /^[0-9a-f]{64}$/

/**
 * The peer id peer.id gives for the data dir's key, if peer.id was written with exactly that key
 * file (a key replaced since, or a peer.id edited or copied from elsewhere, gives undefined: the
 * caller computes it from the key). `key` is the key file's bytes when the caller has them.
 */
export async function knownPeerId (dataDir: string, key?: Uint8Array): Promise<string | undefined> {
  let keyBytes: Uint8Array
  let text: string
  try {
    [keyBytes, text] = await Promise.all([key ?? readFile(join(dataDir, KEY_FILE)), readFile(join(dataDir, PEER_ID_FILE), 'utf8')])
  } catch {
    return undefined
  }
  let stored: unknown
  try {
    stored = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof stored !== 'object' || stored === null) return undefined
  const { peerId, mac: given } = stored as { peerId?: unknown, mac?: unknown }
  if (typeof peerId !== 'string' || !PEER_ID.test(peerId) || typeof given !== 'string' || !MAC.test(given)) return undefined
  return timingSafeEqual(Buffer.from(given, 'hex'), mac(keyBytes, peerId)) ? peerId : undefined
}

/** Writes peer.id for the key file's bytes and the peer id computed from them. */
export async function rememberPeerId (dataDir: string, key: Uint8Array, peerId: string): Promise<void> {
  await writePrivateFile(join(dataDir, PEER_ID_FILE), JSON.stringify({ peerId, mac: mac(key, peerId).toString('hex') }) + '\n')
}
