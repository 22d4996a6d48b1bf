import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateSwarmKey } from '../../src/node/swarm-key.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

describe('private network (swarm key)', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  async function keyFile (): Promise<string> {
    const path = join(await mesh.tempDir('mesh-psk-'), 'swarm.key')
    await writeFile(path, generateSwarmKey())
    return path
  }

  it('connects nodes that share a key and refuses nodes with another key or none, without hanging', async () => {
    const key = await keyFile()
    const otherKey = await keyFile()
    const a = await mesh.node({ swarmKey: key })
    const b = await mesh.node({ swarmKey: key, bootstrap: [addrOf(a)] })
    await expect.poll(() => b.status().peers, { timeout: 20_000 }).toBe(1)
    expect(b.status().privateNetwork).toBe(true)

    const stranger = await mesh.node({ swarmKey: otherKey })
    const open = await mesh.node()
    for (const outsider of [stranger, open]) {
      for (const member of [a, b]) {
        // Dials end in an error within the dial bound (10 s): no hang, no connection either way.
        await expect(outsider.dial(addrOf(member))).rejects.toMatchObject({ code: 'DIAL_FAILED' })
        await expect(member.dial(addrOf(outsider))).rejects.toMatchObject({ code: 'DIAL_FAILED' })
      }
      expect(outsider.status().peers).toBe(0)
    }
    expect(a.libp2p.getPeers().map(p => p.toString())).toEqual([b.peerId])
    expect(b.libp2p.getPeers().map(p => p.toString())).toEqual([a.peerId])
  }, 50_000)

  it('refuses a swarm key file that is not one, naming the file', async () => {
    const path = join(await mesh.tempDir(), 'bad.key')
    await writeFile(path, 'not a key\n')
    await expect(mesh.node({ swarmKey: path })).rejects.toMatchObject({
      code: 'SWARM_KEY_INVALID',
      message: expect.stringContaining(path)
    })
  })

  it('accepts a key file with a trailing newline', async () => {
    const path = join(await mesh.tempDir(), 'nl.key')
    await writeFile(path, new TextDecoder().decode(generateSwarmKey()) + '\n')
    const a = await mesh.node({ swarmKey: path })
    const b = await mesh.node({ swarmKey: path, bootstrap: [addrOf(a)] })
    await expect.poll(() => b.status().peers, { timeout: 20_000 }).toBe(1)
  })
})
