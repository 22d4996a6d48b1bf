import { BlobError, type BlobChannel } from '../gossip/blob-channel.js'
import { fromHex } from './spec.js'
import type { TaskStore } from './store.js'
import type { Clock } from '../clock.js'

/**
 * Blobs as the task code sees them: bytes by SHA-256 (hex), from this node's store when it has
 * them, otherwise fetched over the blob protocol from the peer that should have them (the
 * owner for inputs and modules, the worker for outputs) and hash-checked on arrival. Concurrent
 * requests for the same bytes share one transfer. A node fetching from itself (it owns the task
 * it runs) reads its own store.
 */
export class Blobs {
  private readonly inflight = new Map<string, Promise<Uint8Array>>()

  constructor (
    private readonly store: TaskStore,
    private readonly channel: Pick<BlobChannel, 'fetch'>,
    private readonly self: string,
    private readonly clock: Clock
  ) {}

  /** What peers may fetch from this node: task blobs (anyone), outputs (their owner only). */
  serve (hash: string, peer: string): Uint8Array | undefined {
    return this.store.servableBlob(hash, peer)
  }

  /**
   * The bytes of `hash` (exactly `size` of them), from the store or from `peer`. With `cache`,
   * fetched bytes are kept (role 'cache', pruned when unused) for the next task that needs them.
   */
  async get (peer: string, hash: string, size: number, cache: boolean, signal?: AbortSignal): Promise<Uint8Array> {
    const local = this.store.blob(hash)
    if (local != null) return local
    if (peer === this.self) throw new BlobError('not_found', `blob ${hash.slice(0, 12)} is not in this node's store`)
    const key = `${peer}/${hash}`
    let pending = this.inflight.get(key)
    if (pending == null) {
      pending = this.channel.fetch(peer, fromHex(hash), size, signal).finally(() => { this.inflight.delete(key) })
      this.inflight.set(key, pending)
    }
    const bytes = await pending
    if (bytes.byteLength !== size) throw new BlobError('bad_data', `blob ${hash.slice(0, 12)} has ${bytes.byteLength} bytes, not ${size}`)
    if (cache) this.store.putBlob(hash, 'cache', bytes, this.clock.now())
    return bytes
  }
}
