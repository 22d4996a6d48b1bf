import { decodeHeartbeat, decodeTaskAnnounce, decodeTaskCancel, decodeVerdict } from './wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from './wire/limits.js'
import { splitBatches } from './wire/batch.js'
import { Heartbeat, TaskAnnounce, TaskCancel, Verdict, type Capability, type TaskOffer, type WorkSummary } from './wire/mesh.js'
import { isPeer, peerIdToBytes } from './wire/peer-bytes.js'
import { GOSSIP_TYPES, meshTopic, type GossipType } from './topics.js'
import { fail, toGossipResult } from './validation.js'
import { gossipsubInternals } from './gossipsub-internals.js'
import { fastMessageIdOf, messageId, messageIdToString } from './message-ids.js'
import { runValidation, type AdapterSinks } from './validator-adapter.js'
import { RateLimiter, type RateLimit } from './rate-limit.js'
import { MeshSizeEstimate } from './mesh-size.js'
import { PeerTable, heartbeatInterval, type PeerTransition } from './peer-table.js'
import { DEFAULT_GOSSIP_WINDOWS, type GossipWindows } from './windows.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { MeshMetrics } from '../metrics.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { GossipSub, GossipsubMessage, Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

/** Decoded message per gossip type. */
export interface GossipTypes {
  announce: TaskAnnounce
  cancel: TaskCancel
  heartbeat: Heartbeat
  verdict: Verdict
}

type Decoders = { [K in GossipType]: (bytes: Uint8Array) => GossipTypes[K] }
const DECODERS: Decoders = {
  announce: decodeTaskAnnounce,
  cancel: decodeTaskCancel,
  heartbeat: decodeHeartbeat,
  verdict: decodeVerdict
}

/**
 * Per-author rate limits per topic (messages per second, burst). The heartbeat limit allows the
 * shortest interval a node may use (100 ms); this node paces its own publishing to the same
 * limits, so an honest node is never over them.
 */
export const GOSSIP_RATE_LIMITS: Record<GossipType, RateLimit> = {
  announce: { rate: 20, burst: 100 },
  cancel: { rate: 20, burst: 100 },
  heartbeat: { rate: 12, burst: 24 },
  verdict: { rate: 10, burst: 50 }
}

/**
 * What one connection may introduce in new authors (signers this node has no rate bucket for,
 * on any topic, and no connection to): keys are free, so per-author limits alone bound nothing.
 * A relayed message of a new author over this budget is ignored (not delivered, not forwarded,
 * no penalty: an honest relay on a large mesh can exceed it when this node joins). Authors with
 * a connection to this node, and peers that did work with it, are not counted.
 */
export const NEW_AUTHORS_PER_CONNECTION: RateLimit = { rate: 2, burst: 64 }

/**
 * How often a peer that did not work with this node has new heartbeat addresses written to the
 * peer store: a few changes at once (a node's addresses change as it starts, finds it is private
 * and takes relay reservations: a peer must learn its relayed address within seconds, not a
 * minute later), then one a minute. Heartbeats are rate-limited per author as well.
 */
export const LEARN_ADDRS: RateLimit = { rate: 1 / 60, burst: 4 }

/** Score weight of each topic (see score-params.ts). */
export const TOPIC_WEIGHTS: Record<GossipType, number> = { announce: 1, cancel: 1, heartbeat: 1, verdict: 1 }

const ENCODERS: { [K in GossipType]: (message: GossipTypes[K]) => Uint8Array } = {
  announce: TaskAnnounce.encode,
  cancel: TaskCancel.encode,
  heartbeat: Heartbeat.encode,
  verdict: Verdict.encode
}

/** What a heartbeat says about this node, read at each beat. */
export interface LocalCapacity {
  capabilities: Capability[]
  slotsFree: number
  slotsTotal: number
  memoryFree: number
  load: number
}

export interface HeartbeatSettings {
  /** The interval on a small mesh. */
  baseMs: number
  /** Heartbeats per second any node should receive at most, whatever the mesh size. */
  maxPerSecond: number
  capacity: () => LocalCapacity
  agent: string
  /** This node's dialable listen addresses, as binary multiaddrs. */
  addrs: () => Uint8Array[]
}

export interface MeshProtocolInit {
  pubsub: GossipSub
  selfId: PeerId
  network: string
  clock: Clock
  logger: Logger
  metrics: MeshMetrics
  reputation: ReputationHook
  heartbeat: HeartbeatSettings
  /**
   * The verdict topic's own step, after the checks every topic gets: throws a ValidationError
   * when the verdict's evidence does not stand (src/reputation/verdicts.ts), so gossipsub never
   * forwards it. Absent: verdicts pass on those checks alone.
   */
  checkVerdict?: (verdict: Verdict, author: Uint8Array, deliverer: string) => Promise<void>
  /** Called with the addresses a peer's validated heartbeat states, when they change (for peers the table admitted). */
  learnAddrs?: (peerId: string, addrs: Uint8Array[]) => void
  /** Peers that did work with this node: kept in the peer table over strangers, and never counted as new authors. */
  isValued?: (peerId: string) => boolean
  /** The timestamp window; the protocol's by default. */
  windows?: GossipWindows
}

export type GossipHandler<K extends GossipType> = (message: GossipTypes[K], from: string) => void

/**
 * The gossiped half of the wire protocol: the four topics with their validators, typed publish
 * and handlers, heartbeats and the peer table. Handlers only ever see validated messages.
 */
export class MeshProtocol {
  readonly peerTable: PeerTable
  /** Distinct heartbeat authors heard lately: the mesh size beyond what the table holds (mesh-size.ts). */
  readonly meshSize: MeshSizeEstimate
  private readonly init: MeshProtocolInit
  /** Per deliverer: new authors it may still introduce (NEW_AUTHORS_PER_CONNECTION). */
  private readonly newAuthors = new RateLimiter(NEW_AUTHORS_PER_CONNECTION, 10_000)
  private readonly topics: Record<GossipType, string>
  private readonly topicTypes = new Map<string, GossipType>()
  private readonly limiters: Record<GossipType, RateLimiter>
  /** This node's own publishing, held to what its peers enforce. */
  private readonly outgoing: Record<GossipType, RateLimiter>
  private readonly decoded = new WeakMap<Message, GossipTypes[GossipType]>()
  private readonly handlers: { [K in GossipType]: Set<GossipHandler<K>> } = {
    announce: new Set(), cancel: new Set(), heartbeat: new Set(), verdict: new Set()
  }

  /**
   * The addresses last learnt per peer and when, so the peer store is written only when they
   * change, and at most once a minute for a peer that did not work with this node (a heard-of
   * author changing its addresses in every heartbeat would otherwise write to disk each time).
   */
  private readonly knownAddrs = new Map<string, string>()
  private readonly addrLearning = new RateLimiter(LEARN_ADDRS, 20_000)
  private readonly sinks: AdapterSinks
  private readonly selfBytes: Uint8Array<ArrayBuffer>
  private beatTimer?: unknown
  private sweepTimer?: unknown
  private started = false

  constructor (init: MeshProtocolInit) {
    this.init = init
    const isValued = init.isValued ?? (() => false)
    const maxHeartbeatMs = (init.windows ?? DEFAULT_GOSSIP_WINDOWS).maxHeartbeatMs
    this.peerTable = new PeerTable({ maxIntervalMs: maxHeartbeatMs, isValued })
    // A window as long as the longest interval believed, so every live author is in the sketch.
    this.meshSize = new MeshSizeEstimate(maxHeartbeatMs)
    this.selfBytes = peerIdToBytes(init.selfId)
    this.topics = Object.fromEntries(GOSSIP_TYPES.map(type => [type, meshTopic(init.network, type)])) as Record<GossipType, string>
    for (const type of GOSSIP_TYPES) this.topicTypes.set(this.topics[type], type)
    const limiters = (): Record<GossipType, RateLimiter> =>
      Object.fromEntries(GOSSIP_TYPES.map(type => [type, new RateLimiter(GOSSIP_RATE_LIMITS[type])])) as Record<GossipType, RateLimiter>
    this.limiters = limiters()
    this.outgoing = limiters()
    this.sinks = { counter: init.metrics.gossipMessages, channelLabel: 'topic', reputation: init.reputation, logger: init.logger }
  }

  start (): void {
    if (this.started) return
    this.started = true
    const { pubsub } = this.init
    for (const type of GOSSIP_TYPES) {
      const topic = this.topics[type]
      pubsub.topicValidators.set(topic, async (peer, message) => await this.validate(type, peer, message))
      pubsub.subscribe(topic)
    }
    pubsub.addEventListener('gossipsub:message', this.onMessage)
    this.scheduleBeat(0)
    // Peers turn suspect and gone on a scale of heartbeat intervals (≥ the base): a sweep every
    // base interval (250 ms to 1 s) is fine enough, and each wakeup of an idle node costs CPU.
    this.sweepTimer = this.init.clock.setInterval(() => { this.sweep() }, Math.min(1000, Math.max(250, this.init.heartbeat.baseMs)))
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    const { pubsub, clock } = this.init
    clock.clearTimeout(this.beatTimer)
    clock.clearInterval(this.sweepTimer)
    pubsub.removeEventListener('gossipsub:message', this.onMessage)
    // Leave the topics before dropping their validators, so this node never forwards an
    // unvalidated message while libp2p is still running.
    for (const topic of Object.values(this.topics)) {
      try {
        pubsub.unsubscribe(topic)
      } catch {}
      pubsub.topicValidators.delete(topic)
    }
  }

  on<K extends GossipType>(type: K, handler: GossipHandler<K>): () => void {
    const set = this.handlers[type] as Set<GossipHandler<K>>
    set.add(handler)
    return () => { set.delete(handler) }
  }

  topicOf (type: GossipType): string {
    return this.topics[type]
  }

  /**
   * The heartbeat interval this node uses now: it widens with the mesh, up to what peers accept.
   * The mesh size is the larger of the table's live peers and the distinct authors heard lately
   * (the table holds at most 50 peers without a connection, so it cannot see a large mesh).
   */
  currentHeartbeatMs (): number {
    const { baseMs, maxPerSecond } = this.init.heartbeat
    const peers = Math.max(this.peerTable.liveCount(), this.meshSize.estimate(this.init.clock.now()))
    return Math.min((this.init.windows ?? DEFAULT_GOSSIP_WINDOWS).maxHeartbeatMs, heartbeatInterval(baseMs, peers, maxPerSecond))
  }

  /** Announces open work: the summary (every kind, counted) in a message of its own first, then the offers in as many as they need; returns the number of messages. */
  async announce (tasks: TaskOffer[], summary: WorkSummary[] = []): Promise<number> {
    const header = this.header()
    const messages: Uint8Array[] = summary.length === 0 ? [] : [TaskAnnounce.encode({ ...header, tasks: [], summary: summary.slice(0, LIMITS.summaryKinds) })]
    messages.push(...splitBatches(tasks, LIMITS.tasksPerAnnounce, LIMITS.gossipMessageBytes, batch => TaskAnnounce.encode({ ...header, tasks: batch, summary: [] })))
    for (const data of messages) await this.publish('announce', data)
    return messages.length
  }

  async cancel (taskIds: Array<Uint8Array<ArrayBuffer>>, reason: string): Promise<number> {
    const header = this.header()
    const messages = splitBatches(taskIds, LIMITS.taskIdsPerCancel, LIMITS.gossipMessageBytes, batch => TaskCancel.encode({ ...header, taskIds: batch, reason }))
    for (const data of messages) await this.publish('cancel', data)
    return messages.length
  }

  async verdict (verdict: Omit<Verdict, 'version' | 'author' | 'timestamp'>): Promise<number> {
    return await this.publish('verdict', ENCODERS.verdict({ ...this.header(), ...verdict }))
  }

  async heartbeat (): Promise<number> {
    const { capacity, agent } = this.init.heartbeat
    const local = capacity()
    return await this.publish('heartbeat', ENCODERS.heartbeat({
      ...this.header(),
      capabilities: local.capabilities,
      slotsFree: local.slotsFree,
      slotsTotal: local.slotsTotal,
      memoryFree: Math.max(0, Math.floor(local.memoryFree)),
      loadMilli: Math.round(local.load * 1000),
      intervalMs: this.currentHeartbeatMs(),
      agent,
      addrs: this.init.heartbeat.addrs().slice(0, LIMITS.addrsPerHeartbeat).filter(a => a.byteLength <= LIMITS.addrBytes) as Array<Uint8Array<ArrayBuffer>>
    }))
  }

  private header (): { version: number, author: Uint8Array<ArrayBuffer>, timestamp: number } {
    return { version: PROTOCOL_VERSION, author: this.selfBytes, timestamp: this.init.clock.now() }
  }

  /**
   * Publishes one message, after the checks its receivers will make (a bug here must not cost
   * this node its score) and within the rate its receivers allow (it waits for a token).
   */
  private async publish (type: GossipType, data: Uint8Array): Promise<number> {
    DECODERS[type](data)
    const { clock } = this.init
    const self = this.init.selfId.toString()
    while (!this.outgoing[type].take(self, clock.now())) {
      await new Promise<void>(resolve => { clock.setTimeout(resolve, Math.ceil(1000 / GOSSIP_RATE_LIMITS[type].rate)) })
    }
    const result = await this.init.pubsub.publish(this.topics[type], data)
    return result.recipients.length
  }

  private scheduleBeat (delayMs: number): void {
    this.beatTimer = this.init.clock.setTimeout(() => {
      if (!this.started) return
      this.heartbeat().catch(err => { this.init.logger.debug({ err }, 'heartbeat publish failed') })
      this.scheduleBeat(this.currentHeartbeatMs())
    }, delayMs)
  }

  private sweep (): void {
    const changes = this.peerTable.sweep(this.init.clock.now())
    for (const change of changes) this.logTransition(change)
    const counts = { alive: 0, suspect: 0, gone: 0 }
    for (const record of this.peerTable.list()) counts[record.state]++
    for (const [state, count] of Object.entries(counts)) this.init.metrics.peers.set({ state }, count)
  }

  private logTransition (change: PeerTransition): void {
    this.init.logger.info({ peer: change.peerId, from: change.from, to: change.to }, 'peer state changed')
  }

  private async validate (type: GossipType, propagationSource: PeerId, message: Message): Promise<TopicValidatorResult> {
    const { maxAgeMs, futureSkewMs } = this.init.windows ?? DEFAULT_GOSSIP_WINDOWS
    const outcome = await runValidation(this.sinks, type,
      () => ({ deliverer: propagationSource.toString(), ...(message.type === 'signed' ? { signer: message.from.toString() } : {}) }),
      async () => {
        if (message.type !== 'signed') fail('unsigned', 'message carries no signature')
        // Checks that depend on this node's own view (its rate buckets, its clock) penalize only
        // the author sending directly: a relay cannot know what other peers already took, nor
        // how our clock differs from its own.
        const direct = propagationSource.equals(message.from)
        const now = this.init.clock.now()
        const author = message.from.toString()
        const overRate = (): never => fail(direct ? 'rate_limited' : 'rate_limited_relayed', `author over ${GOSSIP_RATE_LIMITS[type].rate}/s`)
        // From its author, charged before decoding, so even undecodable or future-version
        // messages count. Through a relay, only once the message is otherwise valid: stale
        // copies someone hands us must not spend the author's tokens (and get its own fresh
        // messages refused).
        if (direct && !this.limiters[type].take(author, now)) overRate()
        const decoded = DECODERS[type](message.data)
        if (!isPeer(decoded.author, message.from)) fail('author_mismatch', 'author is not the signer')
        // A relay checked the timestamp against its own clock, which may be off from ours by up
        // to the skew we tolerate: only past that margin is the relay surely at fault.
        const margin = direct ? 0 : futureSkewMs
        const ahead = decoded.timestamp - now
        const age = now - decoded.timestamp
        if (ahead > futureSkewMs) fail(ahead > futureSkewMs + margin ? 'future_timestamp' : 'timestamp_relayed', `${ahead} ms ahead`)
        if (age > maxAgeMs) fail(age > maxAgeMs + margin ? 'stale_timestamp' : 'timestamp_relayed', `${age} ms old`)
        if (!direct && this.isNewAuthor(author) && !this.newAuthors.take(propagationSource.toString(), now)) {
          // Gossipsub has recorded the id as seen already: forget it, or a deliverer that spends
          // its budget and relays an honest author's genuine message first would get every
          // honest relay's copy of it dropped as a duplicate.
          // The same for its fast id, or the next byte-identical copy would be a duplicate before any check.
          const internals = gossipsubInternals(this.init.pubsub)
          internals.seenCache.entries.delete(messageIdToString(messageId(message)))
          internals.fastMsgIdCache?.entries.delete(fastMessageIdOf(message))
          fail('new_author_budget', `the connection introduced over ${NEW_AUTHORS_PER_CONNECTION.burst} new authors (${NEW_AUTHORS_PER_CONNECTION.rate}/s)`)
        }
        if (!direct && !this.limiters[type].take(author, now)) overRate()
        if (type === 'verdict') await this.init.checkVerdict?.(decoded as Verdict, decoded.author, propagationSource.toString())
        this.decoded.set(message, decoded)
      })
    return toGossipResult(outcome.action)
  }

  /** An author with no rate bucket on any topic, no connection to this node and no work done with it. */
  private isNewAuthor (author: string): boolean {
    if (GOSSIP_TYPES.some(type => this.limiters[type].has(author))) return false
    return !this.peerTable.isConnected(author) && !(this.init.isValued?.(author) ?? false)
  }

  private readonly onMessage = (event: CustomEvent<GossipsubMessage>): void => {
    const { msg, propagationSource } = event.detail
    const type = this.topicTypes.get(msg.topic)
    const decoded = this.decoded.get(msg)
    if (type == null || decoded == null || msg.type !== 'signed') return
    this.decoded.delete(msg)
    const from = msg.from.toString()
    if (type === 'heartbeat') {
      const beat = decoded as Heartbeat
      this.meshSize.observe(from, propagationSource.toString(), this.init.clock.now())
      const { admitted, change } = this.peerTable.observe(from, beat, this.init.clock.now())
      if (change != null) this.logTransition(change)
      const key = beat.addrs.map(a => Buffer.from(a).toString('hex')).join(',')
      // Only admitted peers' addresses reach the peer store: strangers beyond the table's bound
      // would otherwise fill it (and the peer keeper's dials) through any one connection.
      const known = this.knownAddrs.get(from)
      const now = this.init.clock.now()
      if (admitted && this.init.learnAddrs != null && key !== '' && known !== key && ((this.init.isValued?.(from) ?? false) || this.addrLearning.take(from, now))) {
        this.knownAddrs.delete(from)
        this.knownAddrs.set(from, key)
        if (this.knownAddrs.size > 20_000) this.knownAddrs.delete(this.knownAddrs.keys().next().value as string)
        this.init.learnAddrs(from, beat.addrs)
      }
    }
    for (const handler of this.handlers[type] as Set<GossipHandler<typeof type>>) {
      try {
        handler(decoded as never, from)
      } catch (err) {
        this.init.logger.error({ err, type }, 'gossip handler failed')
      }
    }
  }
}
