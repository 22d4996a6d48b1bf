import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { MeshError, errorMessage } from '../errors.js'
import type { PrivateKey } from '@libp2p/interface'

export const KEY_FILE = 'peer.key'

export async function ensureDataDir (dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new MeshError('CONFIG_INVALID', `cannot create data dir ${dataDir}: ${errorMessage(err)}`, { dataDir })
  }
}

/** Writes a file readable by its owner only, atomically (a reader never sees half of it). */
export async function writePrivateFile (path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

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
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new MeshError('KEY_INVALID', `node key ${path} is not a libp2p private key: ${errorMessage(err)}`, { path })
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writePrivateFile(path, privateKeyToProtobuf(key))
  return key
}
