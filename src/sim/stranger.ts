import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, StrictSign, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'

/**
 * A libp2p peer built only from npm packages (tcp, noise, yamux, gossipsub with StrictSign,
 * identify), listening on 127.0.0.1: what any stranger can run. Attack tests and the
 * adversarial simulation's attackers add the wire codec on top and speak the protocol as they like.
 */
export async function createStranger (privateKey?: PrivateKey): Promise<Libp2p<{ pubsub: GossipSub }>> {
  return await createLibp2p({
    ...(privateKey != null ? { privateKey } : {}),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ globalSignaturePolicy: StrictSign, allowPublishToZeroTopicPeers: true, emitSelf: false, fallbackToFloodsub: false })
    }
  })
}
