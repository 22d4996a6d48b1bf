import { peerIdFromString } from '@libp2p/peer-id'
import { KEEP_ALIVE, type Libp2p, type Peer, type PeerId } from '@libp2p/interface'
import { errorMessage } from '../errors.js'
import { planDials, peersToForget, redialBackoff, type DialRecord, type KnownPeer } from './redial-plan.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import { describeDialError } from './dial-failures.js'

/**
 * Keeps a node in its mesh across restarts. libp2p dials only its bootstrap list (and redials
 * KEEP_ALIVE peers); a node whose bootstrap peers are down or moved would come back alone even
 * though its peer store remembers the whole mesh. This dials remembered peers, best first
 * (peers that did work with this node, then recently connected ones), whenever the node has
 * fewer connections than its target, and always dials the peers its work needs (an owner whose
 * leases or results it holds, a worker holding its leases) until they are back. Each peer has
 * its own exponential backoff; dials in flight are bounded; a tick never overlaps the last.
 *
 * What it remembers (when a peer was last connected, when it last did work with this node) is
 * kept in the peer store's metadata, so it survives a restart; the peer store itself is bounded
 * by forgetting strangers before peers that did work.
 */

export const METADATA_CONNECTED = 'mesh-node/last-connected'
export const METADATA_WORKED = 'mesh-node/worked'

/**
 * Peer-store tag of peers that did work with this node. libp2p's connection manager, over
 * `maxConnections`, closes connections to the peers with the lowest sum of tag values first, so
 * idle strangers (no tags) go before peers that did work. 100 is the largest value the peer
 * store takes; gossipsub tags its mesh peers (at most 12 per topic) 100 per topic too.
 */
export const WORKED_TAG = 'mesh-node/worked'
export const WORKED_TAG_VALUE = 100

export interface PeerKeeperSettings {
  /** Below this many connections, remembered peers are dialled. */
  targetPeers: number
  tickMs: number
  initialBackoffMs: number
  maxBackoffMs: number
  /** Backoff cap for peers the node's work needs (they matter more than a full peer list). */
  wantedMaxBackoffMs: number
  maxInFlight: number
  dialTimeoutMs: number
  /** Peers remembered at most; past it, strangers are forgotten first. */
  maxKnownPeers: number
  /** How often the peer store is read again (and pruned). */
  refreshMs: number
}

export const DEFAULT_KEEPER_SETTINGS: PeerKeeperSettings = {
  targetPeers: 8,
  tickMs: 1_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 300_000,
  wantedMaxBackoffMs: 10_000,
  maxInFlight: 4,
  dialTimeoutMs: 10_000,
  maxKnownPeers: 1_000,
  refreshMs: 30_000
}

export interface PeerKeeperComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'getConnections' | 'dial' | 'peerStore' | 'addEventListener' | 'removeEventListener'>
  clock: Clock
  logger: Logger
  random: () => number
  /** Peers this node's work needs now. */
  wanted: () => Iterable<string>
  /** Peers never dialled (banned ones). */
  excluded?: (peerId: string) => boolean
}

/** What `peers --json` shows of a peer's dial state. */
export interface PeerDialState {
  lastConnectedAt: number | null
  workedAt: number | null
  nextDialAt: number | null
  dialFailures: number
}

/** Only write a timestamp to the peer store again when the stored one is this old. */
const PERSIST_EVERY_MS = 60_000

const encodeTime = (ms: number): Uint8Array => {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setFloat64(0, ms)
  return bytes
}

const decodeTime = (bytes: Uint8Array | undefined): number | null => {
  if (bytes?.byteLength !== 8) return null
  const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0)
  return Number.isFinite(value) ? value : null
}

export class PeerKeeper {
  private readonly components: PeerKeeperComponents
  private readonly settings: PeerKeeperSettings
  private readonly self: string
  private known = new Map<string, KnownPeer>()
  private readonly records = new Map<string, DialRecord>()
  private readonly inFlight = new Set<string>()
  private timer?: unknown
  private refreshing = false
  private lastRefresh = -Infinity
  private started = false
  private wantedNow = new Set<string>()
  private readonly onConnect = (event: CustomEvent<PeerId>): void => { this.connected(event.detail.toString()) }
  private readonly onDisconnect = (event: CustomEvent<PeerId>): void => { this.disconnected(event.detail.toString()) }
  /** Dials made, and dials that failed, for tests and metrics. */
  dials = 0
  dialFailures = 0

  constructor (components: PeerKeeperComponents, settings: Partial<PeerKeeperSettings> = {}) {
    this.components = components
    this.settings = { ...DEFAULT_KEEPER_SETTINGS, ...settings }
    this.self = components.libp2p.peerId.toString()
  }

  start (): void {
    if (this.started) return
    this.started = true
    const { libp2p, clock } = this.components
    libp2p.addEventListener('peer:connect', this.onConnect)
    libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.timer = clock.setInterval(() => { void this.tick() }, this.settings.tickMs)
    void this.tick()
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    const { libp2p, clock } = this.components
    // Connections close after this (the node is stopping): remember them as connected until now.
    const now = clock.now()
    for (const peer of new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))) this.persist(peer, METADATA_CONNECTED, now)
    libp2p.removeEventListener('peer:connect', this.onConnect)
    libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    clock.clearInterval(this.timer)
    this.timer = undefined
  }

  /** A grant or a result passed between this node and the peer: it did work with us. */
  noteWorked (peerId: string): void {
    if (peerId === this.self) return
    const now = this.components.clock.now()
    const known = this.remember(peerId)
    const stale = known.workedAt == null || now - known.workedAt > PERSIST_EVERY_MS
    known.workedAt = now
    if (stale) this.persist(peerId, METADATA_WORKED, now, { [WORKED_TAG]: { value: WORKED_TAG_VALUE } })
  }

  /** Whether the peer did work with this node (ever, as far as the peer store remembers) or its work needs it now. */
  didWork (peerId: string): boolean {
    return this.known.get(peerId)?.workedAt != null || this.wantedNow.has(peerId)
  }

  /**
   * A peer announced new addresses (a heartbeat heard through other peers, e.g. an owner that
   * restarted on another port): a wanted peer is dialled at once, whatever its backoff; any
   * other becomes a stranger to dial while the node is below its target.
   */
  addressesChanged (peerId: string): void {
    if (peerId === this.self) return
    // A peer first heard of is a dial candidate from the next tick (below the target), not only
    // after the next read of the peer store.
    this.remember(peerId)
    if (!this.wantedNow.has(peerId)) return
    const record = this.records.get(peerId)
    if (record != null) record.nextDialAt = this.components.clock.now()
  }

  /** The dial state of a peer, for `peers`. */
  describe (peerId: string): PeerDialState {
    const known = this.known.get(peerId)
    const record = this.records.get(peerId)
    return {
      lastConnectedAt: known?.lastConnectedAt ?? null,
      workedAt: known?.workedAt ?? null,
      nextDialAt: record?.nextDialAt ?? null,
      dialFailures: record?.failures ?? 0
    }
  }

  async tick (): Promise<void> {
    if (!this.started) return
    const { clock, libp2p } = this.components
    const now = clock.now()
    if (now - this.lastRefresh >= this.settings.refreshMs) await this.refresh()
    if (!this.started) return
    const connected = new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))
    const wanted = [...this.components.wanted()].filter(peer => peer !== this.self)
    this.wantedNow = new Set(wanted)
    const plan = planDials({
      now,
      wanted,
      known: [...this.known.values()],
      connected,
      inFlight: this.inFlight,
      records: this.records,
      excluded: peer => peer === this.self || (this.components.excluded?.(peer) ?? false),
      target: this.settings.targetPeers,
      maxInFlight: this.settings.maxInFlight
    })
    for (const peer of plan) void this.dial(peer)
  }

  private async dial (peer: string): Promise<void> {
    const { clock, libp2p, logger } = this.components
    this.inFlight.add(peer)
    this.dials++
    // Connected before (the peer store remembers when): a rejoin. A brand-new node also dials
    // the bootstrap peers it was given (they are in its peer store by then): not a rejoin.
    const before = this.known.get(peer)?.lastConnectedAt
    try {
      await libp2p.dial(peerIdFromString(peer), { signal: AbortSignal.timeout(this.settings.dialTimeoutMs) })
      if (before != null) logger.info({ peer, wanted: this.wantedNow.has(peer) }, 'reconnected to a remembered peer')
      else logger.debug({ peer, wanted: this.wantedNow.has(peer) }, 'connected to a peer from the peer store')
    } catch (err) {
      this.dialFailures++
      const record = this.records.get(peer) ?? { failures: 0, nextDialAt: 0 }
      record.failures++
      const maxMs = this.wantedNow.has(peer) ? Math.min(this.settings.wantedMaxBackoffMs, this.settings.maxBackoffMs) : this.settings.maxBackoffMs
      record.nextDialAt = clock.now() + redialBackoff(record.failures, { initialMs: this.settings.initialBackoffMs, maxMs }, this.components.random)
      this.records.set(peer, record)
      logger.debug({ peer, failures: record.failures, nextDialAt: record.nextDialAt, err: describeDialError(err) }, 'redial failed')
    } finally {
      this.inFlight.delete(peer)
    }
  }

  private connected (peer: string): void {
    if (peer === this.self) return
    this.records.delete(peer)
    const now = this.components.clock.now()
    const known = this.remember(peer)
    const stale = known.lastConnectedAt == null || now - known.lastConnectedAt > PERSIST_EVERY_MS
    known.lastConnectedAt = now
    if (stale) this.persist(peer, METADATA_CONNECTED, now)
  }

  private disconnected (peer: string): void {
    if (peer === this.self || !this.started) return
    const now = this.components.clock.now()
    this.remember(peer).lastConnectedAt = now
    this.persist(peer, METADATA_CONNECTED, now)
    // A peer that just left is not redialled in the same breath: it may be stopping.
    this.records.set(peer, { failures: 0, nextDialAt: now + this.settings.initialBackoffMs })
  }

  private remember (peer: string): KnownPeer {
    let known = this.known.get(peer)
    if (known == null) {
      known = { peerId: peer, workedAt: null, lastConnectedAt: null }
      this.known.set(peer, known)
    }
    return known
  }

  private persist (peer: string, key: string, at: number, tags?: Record<string, { value: number }>): void {
    void this.components.libp2p.peerStore.merge(peerIdFromString(peer), { metadata: { [key]: encodeTime(at) }, ...(tags != null ? { tags } : {}) })
      .catch(err => { this.components.logger.debug({ peer, err: errorMessage(err) }, 'cannot store peer metadata') })
  }

  /** Reads the peer store again (what it remembers, and new peers), and forgets the excess. */
  private async refresh (): Promise<void> {
    if (this.refreshing) return
    this.refreshing = true
    const { libp2p, clock, logger } = this.components
    try {
      const peers: Peer[] = await libp2p.peerStore.all()
      const known = new Map<string, KnownPeer>()
      // Bootstrap peers (tagged KEEP_ALIVE) are never forgotten.
      const keepAlive = new Set<string>()
      for (const peer of peers) {
        const id = peer.id.toString()
        if (id === this.self) continue
        const inMemory = this.known.get(id)
        known.set(id, {
          peerId: id,
          workedAt: maxOf(inMemory?.workedAt, decodeTime(peer.metadata.get(METADATA_WORKED))),
          lastConnectedAt: maxOf(inMemory?.lastConnectedAt, decodeTime(peer.metadata.get(METADATA_CONNECTED)))
        })
        if ([...peer.tags.keys()].some(tag => tag.startsWith(KEEP_ALIVE))) keepAlive.add(id)
      }
      const protectedPeers = new Set([...keepAlive, ...this.wantedNow, ...libp2p.getConnections().map(c => c.remotePeer.toString())])
      const forget = peersToForget([...known.values()], this.settings.maxKnownPeers, protectedPeers)
      for (const peer of forget) {
        known.delete(peer)
        this.records.delete(peer)
        await libp2p.peerStore.delete(peerIdFromString(peer)).catch(() => {})
      }
      if (forget.length > 0) logger.info({ forgotten: forget.length, kept: known.size }, 'peer store over its bound: forgot the least useful peers')
      this.known = known
      for (const peer of this.records.keys()) if (!known.has(peer) && !this.wantedNow.has(peer)) this.records.delete(peer)
    } catch (err) {
      logger.debug({ err: errorMessage(err) }, 'cannot read the peer store')
    } finally {
      this.lastRefresh = clock.now()
      this.refreshing = false
    }
  }
}

function maxOf (a: number | null | undefined, b: number | null): number | null {
  if (a == null) return b
  if (b == null) return a
  return Math.max(a, b)
}
