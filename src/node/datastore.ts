import { FsDatastore } from 'datastore-fs'
import type { Key } from 'interface-datastore'

/**
 * The peer store on disk. libp2p may still write to it for a moment after it stops (a peer
 * update already under way); those writes would recreate the data dir's files after a test or
 * an operator removed them. Writes in flight are awaited by close(), later ones are dropped.
 */
function diskFull (err: unknown): boolean {
  const codes = [err, (err as { cause?: unknown } | undefined)?.cause].map(e => (e as { code?: unknown } | undefined)?.code)
  return codes.includes('ENOSPC') || codes.includes('EDQUOT')
}

export class PeerDatastore extends FsDatastore {
  private closed = false
  private readonly inflight = new Set<Promise<unknown>>()

  override async open (): Promise<void> {
    this.closed = false
    await super.open()
  }

  override async put (key: Key, value: Uint8Array, options?: Parameters<FsDatastore['put']>[2]): Promise<Key> {
    if (this.closed) return key
    const write = super.put(key, value, options)
    this.inflight.add(write)
    try {
      return await write
    } catch (err) {
      // The peer store is a cache of what peers said: on a full disk a write is dropped, not
      // thrown into libp2p's handlers (where nobody would catch it).
      if (diskFull(err)) return key
      throw err
    } finally {
      this.inflight.delete(write)
    }
  }

  override async close (): Promise<void> {
    this.closed = true
    await Promise.allSettled([...this.inflight])
    await super.close()
  }
}
