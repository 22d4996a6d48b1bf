import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { KEY_FILE } from '../../src/node/identity.js'
import { BOOTSTRAP_TAG } from '../../src/node/libp2p.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

describe('node identity and data dir', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('keeps the peer id across a restart with the same data dir, and knows its peers after it', async () => {
    const dataDir = await mesh.tempDir()
    const first = await mesh.node({ dataDir })
    const id = first.peerId
    const other = await mesh.node()
    await first.dial(addrOf(other))
    await first.stop()

    const key = await stat(join(dataDir, KEY_FILE))
    expect(key.mode & 0o777).toBe(0o600)

    const again = await mesh.node({ dataDir })
    expect(again.peerId).toBe(id)
    // The peer store is on disk: the peer met before the restart is still known.
    const known = await again.peers()
    expect(known.map(p => p.peerId)).toContain(other.peerId)
  })

  it('forgets a bootstrap peer that was removed from the list, so libp2p stops redialling it after a restart', async () => {
    const dataDir = await mesh.tempDir()
    const hub = await mesh.node()
    const first = await mesh.node({ dataDir, bootstrap: [addrOf(hub)] })
    await expect.poll(() => first.status().peers, { timeout: 20_000 }).toBe(1)
    const hubId = peerIdFromString(hub.peerId)
    expect((await first.libp2p.peerStore.get(hubId)).tags.has(BOOTSTRAP_TAG)).toBe(true)
    await first.stop()

    const kept = await mesh.node({ dataDir, bootstrap: [addrOf(hub)] })
    expect((await kept.libp2p.peerStore.get(hubId)).tags.has(BOOTSTRAP_TAG)).toBe(true)
    await kept.stop()

    const without = await mesh.node({ dataDir })
    expect((await without.libp2p.peerStore.get(hubId)).tags.has(BOOTSTRAP_TAG)).toBe(false)
  })

  it('gives a new data dir a new peer id', async () => {
    const a = await mesh.node()
    const b = await mesh.node()
    expect(a.peerId).not.toBe(b.peerId)
  })

  it('refuses a second node on a data dir that is in use', async () => {
    const dataDir = await mesh.tempDir()
    await mesh.node({ dataDir })
    await expect(mesh.node({ dataDir })).rejects.toMatchObject({ message: expect.stringContaining('in use') })
  })
})
