import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MeshError, errorMessage } from '../errors.js'
import { KEY_FILE, knownPeerId, rememberPeerId } from './peer-id-file.js'
import { ensureDataDir, writePrivateFile } from './private-files.js'
import type { PrivateKey } from '@libp2p/interface'

export { ensureDataDir, ensurePrivateFile, writePrivateFile } from './private-files.js'

export { KEY_FILE } from './peer-id-file.js'

/**
 * The node's Ed25519 key, created on first use and reused after, so the peer id is stable
 * across restarts. Stored as the libp2p protobuf encoding, mode 0600.
 */
export async function loadOrCreatePrivateKey (dataDir: string): Promise<PrivateKey> {
  await ensureDataDir(dataDir)
  const path = join(dataDir, KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new MeshError('KEY_INVALID', `cannot read node key ${path}: ${errorMessage(err)}`, { path })
    }
  }
  if (bytes != null) {
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new MeshError('KEY_INVALID', `node key ${path} is not a libp2p private key: ${errorMessage(err)}`, { path })
    }
    await notePeerId(dataDir, bytes, key)
    return key
  }
  const key = await generateKeyPair('Ed25519')
  const created = privateKeyToProtobuf(key)
  try {
    // 'wx': if another process (a concurrent "mesh-node id") made a key meanwhile, use that one.
    await writeFile(path, created, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return await loadOrCreatePrivateKey(dataDir)
  }
  await notePeerId(dataDir, created, key)
  return key
}

/**
 * Keeps peer.id in step with the key (./peer-id-file.ts), so `mesh-node id` answers without
 * libp2p. Only a convenience: a data dir it cannot be written to loses nothing but speed.
 */
async function notePeerId (dataDir: string, keyBytes: Uint8Array, key: PrivateKey): Promise<void> {
  const peerId = peerIdFromPrivateKey(key).toString()
  if (await knownPeerId(dataDir, keyBytes) === peerId) return
  await rememberPeerId(dataDir, keyBytes, peerId).catch(() => {})
}
