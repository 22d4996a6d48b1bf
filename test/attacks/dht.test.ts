import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { afterEach, describe, expect, it } from 'vitest'
import { protocolName } from '../../src/gossip/topics.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

/** Files under a directory, recursively (none when it does not exist). */
async function filesUnder (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
  } catch {
    return []
  }
}

/** Runs a DHT query to its end; a query the remote refuses ends in errors, which is fine here. */
async function drain (events: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _ of events) {}
  } catch {}
}

describe('the DHT', () => {
  const mesh = new TestMesh()
  let attacker: Libp2p<{ dht: KadDHT }> | undefined
  afterEach(async () => {
    await attacker?.stop()
    attacker = undefined
    await mesh.cleanup()
  })

  // The attacker is a bare @libp2p/kad-dht client (npm packages only) speaking the mesh's DHT
  // protocol. It sends 40 ADD_PROVIDER messages (provide, one CID each) and 40 PUT_VALUE
  // messages (valid /pk/ records of fresh keys) to a node started with --dht. Must hold: the
  // node stores none of it (we use the DHT for peer routing only), and still answers FIND_NODE.
  it('remote ADD_PROVIDER and PUT_VALUE writes land nowhere on disk; peer routing still works', async () => {
    const node = await mesh.node({ dht: true })
    const other = await mesh.node({ dht: true, bootstrap: [addrOf(node)] })
    attacker = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        ping: ping(),
        dht: kadDHT({ protocol: protocolName({ network: node.config.network, name: 'kad', version: 1 }), clientMode: true, peerInfoMapper: passthroughMapper })
      }
    })
    const dht = attacker.services.dht
    await attacker.dial(multiaddr(addrOf(node)))
    const findOther = async (): Promise<string | undefined> => {
      try {
        for await (const event of dht.findPeer(other.libp2p.peerId)) if (event.name === 'FINAL_PEER') return event.peer.id.toString()
      } catch {}
      return undefined
    }
    // Peer routing works: the attacker finds the other node through this one.
    await expect.poll(findOther, { timeout: 30_000 }).toBe(other.peerId)

    for (let i = 0; i < 40; i++) {
      await drain(dht.provide(CID.createV1(0x55, await sha256.digest(new TextEncoder().encode(`attack ${i}`)))))
      const key = await generateKeyPair('Ed25519')
      const pk = publicKeyToProtobuf(key.publicKey)
      await drain(dht.put(concat([new TextEncoder().encode('/pk/'), peerIdFromPrivateKey(key).toMultihash().bytes]), pk))
    }

    // The peer datastore writes behind (datastore.ts): stopping the node flushes whatever it holds.
    await node.stop()
    const written = await filesUnder(join(node.config.dataDir, 'datastore', 'dht'))
    console.log(`DHT entries the node wrote to its datastore: ${written.length} (providers ${written.filter(f => f.includes('provider')).length}, records ${written.filter(f => f.includes('record')).length})`)
    expect(written.length).toBe(0)
  })
})
