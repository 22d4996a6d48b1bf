import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { KEEP_ALIVE } from '@libp2p/interface'
import { passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MeshError, errorMessage } from '../errors.js'
import { peerRoutingDHT } from './dht.js'
import type { Logger } from '../logger.js'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { TOPIC_WEIGHTS } from '../gossip/mesh-protocol.js'
import { peerScoreParams, SCORE_THRESHOLDS } from '../gossip/score-params.js'
import { GOSSIP_TYPES, meshTopic, protocolName } from '../gossip/topics.js'
import { LIMITS } from '../gossip/wire/limits.js'
import { fastMessageId, messageId, messageIdToString } from '../gossip/message-ids.js'
import { DEFAULT_GOSSIP_WINDOWS, type GossipWindows } from '../gossip/windows.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { MeshNodeConfig } from './config.js'
import type { InboundSlots } from './inbound-slots.js'
import type { DialFailures } from './dial-failures.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, MultiaddrConnection, PeerId, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Datastore } from 'interface-datastore'
import { coalescingNoise, lazyWindowYamux } from './transport-tuning.js'

export type MeshServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  dht?: KadDHT
  relay?: CircuitRelayService
}

export type MeshLibp2p = Libp2p<MeshServices>

export interface Libp2pInit {
  config: MeshNodeConfig
  privateKey: PrivateKey
  datastore: Datastore
  /** Canonical swarm key bytes; set means a private network. */
  swarmKey?: Uint8Array
  reputation: ReputationHook
  /** Peers refused at dial and at connection (simulated partitions); live: changes apply to new connections. */
  blocked?: ReadonlySet<string>
  /** Peers not dialled afresh for now (a dial-back through a relay goes over the connection held to it: ./reachability.ts). */
  noNewDials?: ReadonlySet<string>
  /** The gossip timing windows (the seen cache's lifetime comes from them); the protocol's by default. */
  windows?: GossipWindows
  /** Per-host and per-subnet inbound bounds; none: only libp2p's own limits. */
  inbound?: InboundSlots
  /** Counts and explains failed dials and inbound handshakes (./dial-failures.ts). */
  failures?: DialFailures
}

/** Connections libp2p accepts past `maxConnections`, for the trimmer to choose among (./connection-trimmer.ts). */
export const TRIM_HEADROOM = 32

/** The bootstrap tag starts with KEEP_ALIVE so libp2p's reconnect queue redials a lost bootstrap peer. */
export const BOOTSTRAP_TAG = `${KEEP_ALIVE}-mesh-bootstrap`

/**
 * The bootstrap tag lives in the on-disk peer store, and libp2p redials every KEEP_ALIVE peer at
 * start: drop it from peers no longer in the bootstrap list, before libp2p starts.
 */
export async function clearStaleBootstrapTags (libp2p: MeshLibp2p, bootstrapList: string[]): Promise<void> {
  const listed = new Set(bootstrapList.map(addr => multiaddr(addr).getComponents().find(c => c.name === 'p2p')?.value))
  const tagged = await libp2p.peerStore.all({ filters: [peer => peer.tags.has(BOOTSTRAP_TAG)] })
  for (const peer of tagged) {
    if (!listed.has(peer.id.toString())) await libp2p.peerStore.merge(peer.id, { tags: { [BOOTSTRAP_TAG]: undefined } })
  }
}

/**
 * Assembles libp2p for one mesh node. Every option that differs from libp2p's defaults is here,
 * with the reason.
 */
export async function buildLibp2p ({ config, privateKey, datastore, swarmKey, reputation, blocked, noNewDials, inbound, failures, windows = DEFAULT_GOSSIP_WINDOWS }: Libp2pInit): Promise<MeshLibp2p> {
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (config.bootstrap.length > 0) {
    peerDiscovery.push(bootstrap({ list: config.bootstrap, timeout: 0, tagName: BOOTSTRAP_TAG }))
  }
  if (config.mdns) {
    peerDiscovery.push(mdns({ serviceTag: `_mesh-node-${config.network}._udp.local` }))
  }

  const base = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      // Authorship matters on this mesh: every message is signed and the signature checked.
      globalSignaturePolicy: StrictSign,
      // Floodsub peers get none of gossipsub's scoring or flood protection: speak gossipsub only.
      fallbackToFloodsub: false,
      emitSelf: false,
      allowPublishToZeroTopicPeers: true,
      // Ids bind topic, signer and data: a copy under another key or topic never suppresses
      // the genuine message, and the same bytes are one message whoever relays them.
      msgIdFn: messageId,
      msgIdToStrFn: messageIdToString,
      // A byte-identical copy of a message already checked is a duplicate before its signature
      // is checked again (each message arrives from several mesh peers).
      fastMsgIdFn: fastMessageId,
      // Only the protocol's topics, each with its validator: no peer can make this node carry
      // or deliver anything else.
      allowedTopics: GOSSIP_TYPES.map(type => meshTopic(config.network, type)),
      // As long as a copy could pass as fresh anywhere (windows.ts): a replay is either a
      // duplicate, dropped unseen, or refused as stale by whoever receives it.
      seenTTL: windows.seenTtlMs,
      maxInboundDataLength: LIMITS.gossipMessageBytes + 64 * 1024,
      scoreParams: peerScoreParams({
        topics: Object.fromEntries(GOSSIP_TYPES.map(type => [meshTopic(config.network, type), TOPIC_WEIGHTS[type]])),
        appSpecificScore: peerId => reputation.gossipScore(peerId)
      }),
      scoreThresholds: SCORE_THRESHOLDS
    })
  }
  const relaying = config.relay
    ? {
        ...base,
        relay: circuitRelayServer({
          reservations: {
            // What a relay of this mesh grants (docs/PROTOCOL.md, "Relays"; DEFAULT_RELAY_LIMITS in
            // ./config.ts): libp2p's defaults, 2 minutes and 128 KiB a relayed connection, are less
            // than one busy minute of lease traffic. The lease channel opens a new one when one ends.
            maxReservations: config.relayLimits.maxReservations,
            defaultDurationLimit: config.relayLimits.durationMs,
            defaultDataLimit: BigInt(config.relayLimits.dataBytes)
          }
        })
      }
    : base
  const services = !config.dht
    ? relaying
    : {
        ...relaying,
        // Peer routing only: remote peers cannot store provider entries or records on this node (./dht.ts).
        dht: peerRoutingDHT({
          // A DHT of our own per network, so peer discovery never mixes networks.
          protocol: protocolName({ network: config.network, name: 'kad', version: 1 }),
          clientMode: false,
          // Keep every address: the mesh runs on LANs and loopback as well as the internet.
          peerInfoMapper: passthroughMapper
        })
      }

  return await createLibp2p({
    start: false,
    privateKey,
    datastore,
    // Announced addresses replace the listen addresses in what peers are told (identify, heartbeats).
    addresses: { listen: config.listen, ...(config.announce.length > 0 ? { announce: config.announce } : {}) },
    // Circuit relay v2: dial peers through relays, and listen on relays once this node finds it is private (./relays.ts).
    transports: [failures != null ? failures.transport(tcp()) : tcp(), circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    // noise and yamux, each tuned to cost fewer writes and frames per small message (transport-tuning.ts).
    connectionEncrypters: [coalescingNoise()],
    streamMuxers: [lazyWindowYamux()],
    ...(swarmKey != null ? { connectionProtector: preSharedKey({ psk: swarmKey, timeout: 5_000 }) } : {}),
    peerDiscovery,
    connectionManager: {
      // Room above the limit, so a peer that did work can still connect inbound to a full node:
      // the ConnectionTrimmer then closes the least valued connections down to the limit.
      maxConnections: config.maxConnections + TRIM_HEADROOM,
      // The defaults (5 per second per host) reset dials when several local nodes start at once.
      inboundConnectionThreshold: 1_000,
      maxIncomingPendingConnections: 256
    },
    connectionGater: connectionGater(blocked, noNewDials, inbound),
    // libp2p pings every connection every 10 s by default, each ping a new stream (protocol
    // negotiation, a peer store write): ~1.3 pings and 1.7 disk writes a second per idle node
    // with 13 connections, the largest fixed cost of an idle node (issue 17). Heartbeats and
    // yamux's own keep-alive already show a connection alive; once a minute finds a dead one.
    connectionMonitor: { pingInterval: 60_000 },
    services
  }) as unknown as MeshLibp2p // the optional dht service widens the inferred map
}

/**
 * Peers this node refuses to talk to (a simulated partition; empty outside simulations), and
 * inbound connections past their host's or subnet's share of the slots. Banned peers are not
 * refused here: they are graylisted and granted nothing (refusing them made each banned peer's
 * redials a handshake loop; docs/PROTOCOL.md §12.5).
 */
function connectionGater (blocked: ReadonlySet<string> | undefined, noNewDials: ReadonlySet<string> | undefined, inbound: InboundSlots | undefined): ConnectionGater {
  return {
    ...(blocked != null || noNewDials != null
      ? {
          denyDialPeer: (peer: PeerId) => blocked?.has(peer.toString()) === true || noNewDials?.has(peer.toString()) === true,
          denyInboundEncryptedConnection: (peer: PeerId) => blocked?.has(peer.toString()) === true,
          denyOutboundEncryptedConnection: (peer: PeerId) => blocked?.has(peer.toString()) === true
        }
      : {}),
    ...(inbound != null ? { denyInboundConnection: (conn: MultiaddrConnection) => inbound.admit(conn) != null } : {})
  }
}

/** Starts libp2p; a listen failure becomes one line naming each address and its cause. */
export async function startListening (libp2p: MeshLibp2p): Promise<void> {
  try {
    await libp2p.start()
  } catch (err) {
    if ((err as Error).name !== 'UnsupportedListenAddressesError') throw err
    // The message lists each address with its cause, and the causes' stack lines: keep the former.
    const details = errorMessage(err).split('\n').slice(1).map(line => line.trim()).filter(line => line !== '' && !line.startsWith('at '))
    throw new MeshError('LISTEN_FAILED', `cannot listen on ${details.join('; ') || 'the configured addresses'}`, {}, { cause: err })
  }
}

/** Adds addresses a peer stated in a signed heartbeat to the peer store, so it can be dialled. */
export async function learnAddresses (libp2p: MeshLibp2p, peer: string, addrs: Uint8Array[], logger: Logger): Promise<void> {
  if (peer === libp2p.peerId.toString()) return
  const multiaddrs = addrs.flatMap(bytes => {
    try {
      return [multiaddr(bytes)]
    } catch {
      return []
    }
  })
  if (multiaddrs.length === 0) return
  try {
    await libp2p.peerStore.merge(peerIdFromString(peer), { multiaddrs })
  } catch (err) {
    logger.debug({ peer, err: errorMessage(err) }, 'cannot store peer addresses')
  }
}
