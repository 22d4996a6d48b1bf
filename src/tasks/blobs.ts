import { BlobError, type BlobChannel, type BlobHandle } from '../gossip/blob-channel.js'
import { fromHex } from './spec.js'
import type { TaskStore } from './store.js'
import type { Clock } from '../clock.js'

/**
 * Blobs as the task code sees them: bytes by SHA-256 (hex), from this node's store when it has
 * them from the peer in question (or made them for it), otherwise fetched over the blob protocol from
 * the peer that should have them (the owner for inputs and modules, the worker for outputs) and
 * hash-checked on arrival. Concurrent requests for the same bytes share one transfer, which no
 * single requester's cancel can stop. A node fetching from itself reads its own store.
 */
export class Blobs {
  private readonly inflight = new Map<string, Promise<Uint8Array>>()
  /**
   * Whether `peer` may fetch the task blob `hash`: the owner lets only the holders of a live
   * lease on a task that needs it. Nobody, until the owner says.
   */
  taskBlobAccess: (hash: string, peer: string) => boolean = () => false

  constructor (
    private readonly store: TaskStore,
    private readonly channel: Pick<BlobChannel, 'fetch'>,
    private readonly self: string,
    private readonly clock: Clock,
    /** Makes room for a copy fetched from a peer within the cache quotas; false: do not keep it. */
    private readonly cacheRoom: (peer: string, bytes: number) => boolean = () => true
  ) {}

  /** What peers may fetch from this node: task blobs (lease holders of a task that needs them), outputs (their owner only). */
  serve (hash: string, peer: string): BlobHandle | undefined {
    const row = this.store.servableBlob(hash, peer)
    if (row == null || (row.role === 'task' && !this.taskBlobAccess(hash, peer))) return undefined
    return { size: row.size, read: (offset, length) => this.store.blobChunk(row.rowid, offset, length) }
  }

  /**
   * The bytes of `hash` (exactly `size` of them), for work on behalf of `peer`: from the store
   * if that peer gave them to this node (or this node made them for it), else fetched from
   * `peer`. A hash alone proves nothing (announcements publish input hashes), so one owner's
   * bytes never serve another owner's task. With `cache`, fetched bytes are kept for the next
   * task of the same peer (role 'cache', reader `peer`, pruned when unused).
   */
  async get (peer: string, hash: string, size: number, cache: boolean, signal?: AbortSignal): Promise<Uint8Array> {
    const local = peer === this.self ? this.store.blob(hash) : this.store.blobFor(hash, peer)
    if (local != null) return local
    if (peer === this.self) throw new BlobError('not_found', `blob ${hash.slice(0, 12)} is not in this node's store`)
    const key = `${peer}/${hash}`
    let pending = this.inflight.get(key)
    if (pending == null) {
      pending = this.channel.fetch(peer, fromHex(hash), size).finally(() => { this.inflight.delete(key) })
      this.inflight.set(key, pending)
    }
    const bytes = await raceAbort(pending, signal)
    if (bytes.byteLength !== size) throw new BlobError('bad_data', `blob ${hash.slice(0, 12)} has ${bytes.byteLength} bytes, not ${size}`)
    if (cache) this.store.transaction(() => { if (this.cacheRoom(peer, bytes.byteLength)) this.store.putBlob(hash, 'cache', bytes, this.clock.now(), peer) })
    return bytes
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself runs on). */
async function raceAbort<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return await promise
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}
