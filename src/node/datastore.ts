import { FsDatastore } from 'datastore-fs'
import type { Key, KeyQuery, Pair, Query } from 'interface-datastore'

/**
 * The peer store on disk, written behind. libp2p's peer store reads and rewrites a peer's record
 * on every merge (each identify, each new stream records a protocol): a busy node did that about
 * 15 times a second per peer, one file read, one temporary file and one rename each, all on the
 * node's one thread. Here a write goes to memory and reaches the disk with the next flush
 * (`FLUSH_MS`, or at close): the peer store is a cache of what peers said, so a crash loses at
 * most those seconds of it. Reads are served from memory for the records written or read lately
 * (at most `CACHED` of them). Every record on disk is read into memory when the store opens, if
 * they fit: while memory holds them all, a query (the peer store's `all()`, which the API's
 * peer list calls) is answered from memory too; once a record has been evicted, a query flushes
 * and reads the disk (on a node with 50 peers and a saturated CPU, that read of 50 files took
 * the peer list 1.5-31 s). Deletes go to disk at once (they are rare).
 *
 * libp2p may still write for a moment after it stops (a peer update already under way); those
 * writes would recreate the data dir's files after a test or an operator removed them, so writes
 * after close() are dropped.
 */
export const FLUSH_MS = 5000
const CACHED = 4096

export class PeerDatastore extends FsDatastore {
  private closed = false
  /** Records by key: the latest value, written or read (insertion order is eviction order). */
  private readonly cache = new Map<string, { key: Key, value: Uint8Array }>()
  /** Keys whose latest value is not on disk yet. */
  private readonly dirty = new Set<string>()
  private timer?: NodeJS.Timeout
  private flushing?: Promise<void>
  /** True while `cache` holds every record (none evicted since all of the disk was read). */
  private complete = false

  override async open (): Promise<void> {
    this.closed = false
    await super.open()
    this.complete = false
    this.cache.clear()
    this.dirty.clear()
    let read = 0
    for await (const { key, value } of super._all({})) {
      if (++read > CACHED) return
      this.remember(key, value)
    }
    this.complete = true
  }

  override async put (key: Key, value: Uint8Array): Promise<Key> {
    if (this.closed) return key
    this.remember(key, value)
    this.dirty.add(key.toString())
    // Many records waiting (a burst of new peers): to disk now, so memory holds at most about CACHED of them.
    if (this.dirty.size >= CACHED) void this.flush()
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, FLUSH_MS).unref()
    return key
  }

  override async get (key: Key, options?: Parameters<FsDatastore['get']>[1]): Promise<Uint8Array> {
    const cached = this.cache.get(key.toString())
    if (cached != null) return cached.value
    const value = await super.get(key, options)
    // A put meanwhile is newer than what was read.
    if (!this.cache.has(key.toString())) this.remember(key, value)
    return value
  }

  override async has (key: Key, options?: Parameters<FsDatastore['has']>[1]): Promise<boolean> {
    return this.cache.has(key.toString()) || await super.has(key, options)
  }

  override async delete (key: Key, options?: Parameters<FsDatastore['delete']>[1]): Promise<void> {
    this.cache.delete(key.toString())
    this.dirty.delete(key.toString())
    if (this.closed) return
    await super.delete(key, options)
  }

  // The base class's query() applies the prefix, filters, order, offset and limit to what these yield.
  override async * _all (q: Query, options?: Parameters<FsDatastore['_all']>[1]): AsyncGenerator<Pair> {
    if (this.complete) {
      yield * [...this.cache.values()].map(({ key, value }) => ({ key, value }))
      return
    }
    await this.flush()
    yield * super._all(q, options)
  }

  override async * _allKeys (q: KeyQuery, options?: Parameters<FsDatastore['_allKeys']>[1]): AsyncGenerator<Key> {
    if (this.complete) {
      yield * [...this.cache.values()].map(({ key }) => key)
      return
    }
    await this.flush()
    yield * super._allKeys(q, options)
  }

  /** Writes every record not on disk yet (one flush at a time; a call during one waits for it and flushes what came since). */
  async flush (): Promise<void> {
    while (this.flushing != null) await this.flushing
    if (this.dirty.size === 0) return
    const keys = [...this.dirty]
    this.dirty.clear()
    this.flushing = (async () => {
      for (const name of keys) {
        const entry = this.cache.get(name)
        if (entry == null) continue
        try {
          await super.put(entry.key, entry.value)
        } catch {
          // The peer store is a cache of what peers said: a write that fails (a full disk) is
          // dropped; the record is written again with its next change.
        }
      }
    })()
    try {
      await this.flushing
    } finally {
      this.flushing = undefined
    }
  }

  override async close (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
    this.closed = true
    this.cache.clear()
    await super.close()
  }

  private remember (key: Key, value: Uint8Array): void {
    const name = key.toString()
    this.cache.delete(name)
    this.cache.set(name, { key, value })
    if (this.cache.size <= CACHED) return
    // Evict the oldest record that is on disk (a dirty one stays until it is flushed).
    for (const [old] of this.cache) {
      if (this.dirty.has(old)) continue
      this.cache.delete(old)
      this.complete = false
      break
    }
  }
}
