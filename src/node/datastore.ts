import { FsDatastore } from 'datastore-fs'
import type { Key } from 'interface-datastore'

/**
 * The peer store on disk. libp2p may still write to it for a moment after it stops (a peer
 * update already under way); those writes would recreate the data dir's files after a test or
 * an operator removed them. Writes in flight are awaited by close(), later ones are dropped.
 */
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
