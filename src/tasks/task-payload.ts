import { sha256, toHex } from './spec.js'
import type { Blobs } from './blobs.js'
import type { TaskOffer } from '../gossip/wire/mesh.js'

/**
 * A granted task's input and module: inline in the grant, or fetched by hash from the owner (kept
 * in the store for the next task that needs the same bytes). Fails the attempt, retryably, if the
 * owner cannot hand them over.
 */
export async function fetchPayload (blobs: Pick<Blobs, 'get'> | undefined, owner: string, offer: TaskOffer, signal: AbortSignal): Promise<{ input: Uint8Array, module?: Uint8Array }> {
  const fetch = async (what: string, inline: Uint8Array, hash: Uint8Array, size: number): Promise<Uint8Array> => {
    if (inline.byteLength === size) {
      if (toHex(sha256(inline)) !== toHex(hash)) throw new Error(`the grant's ${what} does not match its hash`)
      return inline
    }
    if (blobs == null) throw new Error(`${what} of ${size} bytes is over the inline limit and this node fetches no blobs`)
    try {
      return await blobs.get(owner, toHex(hash), size, true, signal)
    } catch (err) {
      throw new Error(`could not fetch the ${what} (${size} bytes) from the owner: ${(err as Error).message}`)
    }
  }
  const input = offer.inputSize === 0 ? offer.input : await fetch('input', offer.input, offer.inputHash, offer.inputSize)
  if (offer.moduleSize === 0) return { input }
  return { input, module: await fetch('module', offer.module, offer.moduleHash, offer.moduleSize) }
}
