import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { afterEach, describe, expect, it } from 'vitest'
import { PeerDatastore } from '../../../src/node/datastore.js'

const dirs: string[] = []
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

async function store (): Promise<{ ds: PeerDatastore, dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-ds-'))
  dirs.push(dir)
  const ds = new PeerDatastore(dir)
  await ds.open()
  return { ds, dir }
}

async function keys (ds: PeerDatastore, prefix?: string): Promise<string[]> {
  const found: string[] = []
  for await (const { key } of ds.query(prefix != null ? { prefix } : {})) found.push(key.toString())
  return found.sort()
}

describe('PeerDatastore', () => {
  it('lists records written in an earlier run, and ones written since that are not on disk yet', async () => {
    const { ds, dir } = await store()
    await ds.put(new Key('/peers/a'), Uint8Array.of(1))
    await ds.put(new Key('/other/b'), Uint8Array.of(2))
    await ds.close()
    const again = new PeerDatastore(dir)
    await again.open()
    await again.put(new Key('/peers/c'), Uint8Array.of(3))
    expect(await keys(again)).toEqual(['/other/b', '/peers/a', '/peers/c'])
    expect(await keys(again, '/peers')).toEqual(['/peers/a', '/peers/c'])
    expect([...await again.get(new Key('/peers/a'))]).toEqual([1])
    await again.delete(new Key('/peers/a'))
    expect(await keys(again, '/peers')).toEqual(['/peers/c'])
    await again.close()
  })

  it('answers a query from memory while it holds every record: the disk is not read again', async () => {
    const { ds, dir } = await store()
    await ds.put(new Key('/peers/a'), Uint8Array.of(1))
    await ds.close()
    const again = new PeerDatastore(dir)
    await again.open()
    // The files go behind the store's back; what it read when it opened still answers.
    for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true })
    expect(await keys(again)).toEqual(['/peers/a'])
    await again.close()
  })
})
