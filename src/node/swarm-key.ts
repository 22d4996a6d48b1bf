import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { MeshError, errorMessage } from '../errors.js'

const HEADER = '/key/swarm/psk/1.0.0/'
const CODEC = '/base16/'
const KEY_HEX_LENGTH = 64

/**
 * A new swarm key in the IPFS `swarm.key` format (95 bytes, three lines, no trailing newline):
 * 32 random bytes from the OS, as @libp2p/pnet's generateKey makes them, without loading libp2p
 * (`mesh-node psk` answers from the CLI's light bundle). The private-network tests give nodes keys made here.
 */
export function generateSwarmKey (): Uint8Array {
  return new TextEncoder().encode(`${HEADER}\n${CODEC}\n${randomBytes(KEY_HEX_LENGTH / 2).toString('hex')}`)
}

/**
 * Checks a swarm key file's bytes and returns them in the canonical 95-byte form that
 * @libp2p/pnet expects, so a trailing newline or CRLF line ends do not break a private network.
 */
export function parseSwarmKey (bytes: Uint8Array, source: string): Uint8Array {
  const lines = new TextDecoder().decode(bytes).trim().split(/\r?\n/)
  const [header, codec, key] = lines
  if (lines.length !== 3 || header !== HEADER || codec !== CODEC || key == null || !/^[0-9a-fA-F]{64}$/.test(key)) {
    throw new MeshError('SWARM_KEY_INVALID',
      `swarm key ${source} is not a swarm key (expected "${HEADER}", "${CODEC}" and 64 hex digits on three lines; make one with "mesh-node psk")`,
      { source })
  }
  return new TextEncoder().encode(`${HEADER}\n${CODEC}\n${key.toLowerCase()}`)
}

/** Reads and checks a swarm key file. */
export async function readSwarmKey (path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new MeshError('SWARM_KEY_INVALID', `cannot read swarm key ${path}: ${errorMessage(err)}`, { path })
  }
  return parseSwarmKey(bytes, path)
}
