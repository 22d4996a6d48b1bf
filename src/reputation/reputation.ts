import { DEFAULT_REPUTATION, applyAction, applyVerdict, decayedScore, evictionRank, gossipScoreOf, isHearsayOnly, newRecord, scoreToState, spotCheckProbability, type PeerAction, type PeerRecord, type PeerState, type ReputationSettings } from './table.js'
import type { ReputationHook } from './hook.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'

/** Where a node keeps its reputation table between runs (the task store). */
export interface ReputationStore {
  loadReputation: () => Map<string, PeerRecord>
  saveReputation: (records: Array<[string, PeerRecord]>) => void
  deleteReputation: (peers: string[]) => void
}

export interface ReputationInit {
  clock: Clock
  logger?: Logger
  settings?: ReputationSettings
  /**
   * Records with a first-hand event kept at most (default 10,000); past it, peers that only sent
   * messages go before peers that did work, then the ones nearest neutral (evictionRank).
   */
  maxRecords?: number
  /**
   * Records made from verdicts alone kept at most (default 1,000), in a bound of their own: hearsay
   * evicts only hearsay, never a first-hand record.
   */
  maxHearsayRecords?: number
}

export interface PeerReputation {
  peerId: string
  score: number
  state: PeerState
  verified: number
  counts: PeerRecord['counts']
}

/**
 * This node's reputation table: first-hand observations and (weighted, capped) second-hand
 * verdicts per peer, decaying toward neutral, persisted in the store. Every node judges for
 * itself; nothing here is global.
 */
export class Reputation implements ReputationHook {
  readonly settings: ReputationSettings
  private readonly init: ReputationInit
  private readonly records = new Map<string, PeerRecord>()
  /** The peers whose record is hearsay only (isHearsayOnly); the others are first-hand. */
  private readonly hearsay = new Set<string>()
  private readonly dirty = new Set<string>()
  /** Records dropped from the table, to delete from the store at the next flush. */
  private readonly evicted = new Set<string>()
  private store?: ReputationStore
  private self?: string
  private flushTimer?: unknown

  constructor (init: ReputationInit) {
    this.init = init
    this.settings = init.settings ?? DEFAULT_REPUTATION
  }

  /** Loads the persisted table and saves changes to it (every second, and on detach). */
  attach (store: ReputationStore, self: string): void {
    this.store = store
    this.self = self
    for (const [peer, record] of store.loadReputation()) if (!this.records.has(peer)) this.put(peer, record, false)
    this.flushTimer = this.init.clock.setInterval(() => { this.flush() }, 1000)
  }

  detach (): void {
    this.init.clock.clearInterval(this.flushTimer)
    this.flush()
    this.store = undefined
  }

  flush (): void {
    if (this.store == null || (this.dirty.size === 0 && this.evicted.size === 0)) return
    const entries = [...this.dirty].flatMap(peer => { const r = this.records.get(peer); return r == null ? [] : [[peer, r] as [string, PeerRecord]] })
    const evicted = [...this.evicted]
    try {
      this.store.saveReputation(entries)
      this.store.deleteReputation(evicted)
      // Cleared only once saved: a failed save is tried again at the next flush.
      for (const [peer] of entries) this.dirty.delete(peer)
      for (const peer of evicted) this.evicted.delete(peer)
    } catch (err) {
      this.init.logger?.warn({ err: (err as Error).message }, 'could not save reputation')
    }
  }

  report (peerId: string, action: PeerAction, detail: string): void {
    if (peerId === this.self) return
    const now = this.init.clock.now()
    const before = this.stateOf(peerId)
    this.put(peerId, applyAction(this.records.get(peerId) ?? newRecord(now), action, now, this.settings))
    this.logChange(peerId, before, action, detail)
  }

  /** A second-hand observation, from a verdict whose evidence has been checked. */
  reportVerdict (subject: string, action: PeerAction, reporter: string, detail: string): void {
    if (subject === this.self) return
    const now = this.init.clock.now()
    const before = this.stateOf(subject)
    this.put(subject, applyVerdict(this.records.get(subject) ?? newRecord(now), action, reporter, this.stateOf(reporter), now, this.settings))
    this.logChange(subject, before, action, `${detail} (verdict by ${reporter})`)
  }

  score (peerId: string): number {
    const record = this.records.get(peerId)
    return record == null ? 0 : decayedScore(record, this.init.clock.now(), this.settings)
  }

  stateOf (peerId: string): PeerState {
    if (peerId === this.self) return 'trusted'
    const record = this.records.get(peerId)
    return scoreToState(this.score(peerId), record?.verified ?? 0, this.settings, (record?.bannedUntil ?? 0) > this.init.clock.now())
  }

  /** How often an accepted result of this peer is re-run elsewhere (redundancy 1). */
  verified (peerId: string): number {
    return this.records.get(peerId)?.verified ?? 0
  }

  spotCheckProbability (peerId: string): number {
    if (peerId === this.self) return 0
    return spotCheckProbability(this.stateOf(peerId), this.records.get(peerId)?.verified ?? 0, this.settings)
  }

  gossipScore (peerId: string): number {
    return gossipScoreOf(this.stateOf(peerId), this.score(peerId))
  }

  get (peerId: string): PeerReputation {
    const record = this.records.get(peerId)
    return { peerId, score: round(this.score(peerId)), state: this.stateOf(peerId), verified: record?.verified ?? 0, counts: record?.counts ?? {} }
  }

  list (): PeerReputation[] {
    return [...this.records.keys()].map(peer => this.get(peer)).sort((a, b) => a.score - b.score)
  }

  private put (peerId: string, record: PeerRecord, dirty = true): void {
    this.records.set(peerId, record)
    if (dirty) this.dirty.add(peerId)
    this.evicted.delete(peerId)
    if (isHearsayOnly(record)) this.hearsay.add(peerId)
    else this.hearsay.delete(peerId)
    const maxHearsay = this.init.maxHearsayRecords ?? 1_000
    const maxFirstHand = this.init.maxRecords ?? 10_000
    if (this.hearsay.size > maxHearsay) this.evictFrom([...this.hearsay], maxHearsay, peerId)
    const firstHand = this.records.size - this.hearsay.size
    if (firstHand > maxFirstHand) this.evictFrom([...this.records.keys()].filter(peer => !this.hearsay.has(peer)), maxFirstHand, peerId)
  }

  /**
   * Brings one pool (`peers`) under `max` by dropping its lowest-ranked records, and a 32nd of
   * `max` more: one sort per that many inserts, so eviction costs O(log n) per insert amortized
   * rather than a scan of the table for each. `keep` (the record just written) stays.
   */
  private evictFrom (peers: string[], max: number, keep: string): void {
    const now = this.init.clock.now()
    const target = Math.max(0, max - Math.ceil(max / 32))
    const ranked = peers.filter(peer => peer !== keep).map(peer => ({ peer, rank: evictionRank(this.records.get(peer) as PeerRecord, now, this.settings) }))
    ranked.sort((a, b) => (a.rank[0] - b.rank[0]) || (a.rank[1] - b.rank[1]))
    for (const { peer } of ranked.slice(0, peers.length - target)) {
      this.records.delete(peer)
      this.hearsay.delete(peer)
      this.dirty.delete(peer)
      this.evicted.add(peer)
    }
  }

  private logChange (peerId: string, before: PeerState, action: PeerAction, detail: string): void {
    const after = this.stateOf(peerId)
    if (after !== before) this.init.logger?.info({ peer: peerId, from: before, to: after, action, detail, score: round(this.score(peerId)) }, 'peer reputation changed')
    else this.init.logger?.debug({ peer: peerId, action, detail }, 'peer reputation event')
  }
}

const round = (n: number): number => Math.round(n * 100) / 100
