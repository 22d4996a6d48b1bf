import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { leaseProtocol, meshTopic } from '../gossip/topics.js'
import { decodeTaskAnnounce, type LeaseBody } from '../gossip/wire/codec.js'
import { PROTOCOL_VERSION } from '../gossip/wire/limits.js'
import { ResultStatus, TaskAnnounce, type TaskOffer, type TaskRef } from '../gossip/wire/mesh.js'
import { peerIdFromBytes, peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { sha256, toHex } from '../tasks/spec.js'
import { forgedVerdict, phantomHeartbeat, signedMessage } from './forgery.js'
import { createStranger } from './stranger.js'
import { fetchBlob, grantMessage, offer, readLeases, resultMessage, sendLeases } from './wire.js'
import type { Random } from './scenarios.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

/**
 * One attacker of the adversarial simulation: a bare libp2p peer (npm packages and the wire codec,
 * no MeshNode) that mixes every attack a peer can mount over the wire. On the lease protocol, from
 * the start: it claims honest owners' tasks and then reports a permanent failure (sabotage),
 * renews the lease past the task's timeout (hold) or goes silent; it tries to read private inputs
 * it was not granted (blob fetches from the owner and from workers, and tasks of its own naming
 * the victim's input hash, as in test/attacks/data.test.ts); it announces top-priority tasks and
 * never answers a claim (fake owner). On gossip, from `gossipAfterMs`: heartbeats of phantom peers
 * signed by fresh keys (fake capacity), replays of honest heartbeats (replay smear), honest
 * heartbeats and announcements re-signed with its own key and raced to the others (id poisoning),
 * and misreport verdicts about honest peers from fresh keys with failing evidence (verdict flood).
 * It keeps count of each, and of every byte string it got hold of, so the report can compare them
 * with what it was granted.
 */

export type Move = 'sabotage' | 'hold' | 'silent' | 'pass'

/** The attacks a wire attacker can mount (`--attacks` picks some; all by default). `leases`: sabotage, leases held past timeout, silent leases. */
export const ATTACKS = ['leases', 'theft', 'fake-owner', 'phantoms', 'replays', 'poison', 'verdicts'] as const
export type AttackName = typeof ATTACKS[number]

export interface AttackCounts {
  offersSeen: number
  claims: number
  grants: number
  refusals: number
  cancels: number
  sabotaged: number
  leasesHeld: number
  renewals: number
  leasesDropped: number
  blobFetches: number
  theftTasks: number
  theftResults: number
  fakeTasks: number
  claimsIgnored: number
  phantomHeartbeats: number
  /** Honest heartbeats sent again soon after they were heard (duplicates) ... */
  replays: number
  /** ... and once past the receivers' seen cache (stale). */
  staleReplays: number
  poisonedCopies: number
  forgedVerdicts: number
}

export interface AttackerInit {
  network: string
  random: Random
  /** Task kinds the phantom peers claim to run, and the kind of the fake owner's tasks. */
  kinds: string[]
  /** The honest nodes' ids: subjects of its verdicts. */
  honest: () => string[]
  /** Fellow attackers: not attacked, not treated as owners. */
  allies: Set<string>
  /** Gossip attacks start this long after start(). */
  gossipAfterMs: number
  attacks: ReadonlySet<AttackName>
  /** Replays use honest heartbeats at least this old (past the receivers' seen cache, so they are stale, not duplicates). */
  replayAgeMs: number
}

type Stranger = Libp2p<{ pubsub: GossipSub }>
interface Internals {
  handleReceivedRpc: (from: PeerId, rpc: RPC) => Promise<void>
  sendRpc: (id: string, rpc: RPC) => boolean
}

const TICK_MS = 500
const PHANTOMS = 8
const VERDICTS_PER_FLOOD = 10

export class Attacker {
  readonly counts: AttackCounts = {
    offersSeen: 0, claims: 0, grants: 0, refusals: 0, cancels: 0, sabotaged: 0, leasesHeld: 0, renewals: 0, leasesDropped: 0, blobFetches: 0, theftTasks: 0, theftResults: 0,
    fakeTasks: 0, claimsIgnored: 0, phantomHeartbeats: 0, replays: 0, staleReplays: 0, poisonedCopies: 0, forgedVerdicts: 0
  }

  /** SHA-256 (hex) of the inputs of tasks an owner granted it. */
  readonly granted = new Set<string>()
  /** SHA-256 (hex) of every byte string it got hold of (an input, an output, a blob), and how. */
  readonly obtained = new Map<string, string>()
  /** Refusals of its claims and renewals, by code. */
  readonly refusals: Record<string, number> = {}
  /** Ids of the phantom peers its forged heartbeats speak for. */
  readonly phantomIds: string[] = []
  private readonly moves = new Map<string, Move>()
  private readonly pending: Array<{ owner: string, offer: TaskOffer }> = []
  private readonly held = new Map<string, TaskRef>()
  private readonly thefts = new Map<string, { offer: TaskOffer, victim: Uint8Array, answered: boolean }>()
  private readonly targeted = new Set<string>()
  private readonly fakes = new Set<string>()
  private readonly captured: Array<{ at: number, message: RPC.Message }> = []
  private readonly tasks = new Set<Promise<unknown>>()
  private phantoms: PrivateKey[] = []
  private timer?: NodeJS.Timeout
  private startedAt = 0
  private ticks = 0
  private poisonBudget = 0

  private constructor (readonly libp2p: Stranger, readonly key: PrivateKey, private readonly init: AttackerInit) {}

  static async create (init: AttackerInit): Promise<Attacker> {
    const key = await generateKeyPair('Ed25519')
    const attacker = new Attacker(await createStranger(key), key, init)
    await attacker.listen()
    return attacker
  }

  get id (): string {
    return this.libp2p.peerId.toString()
  }

  get mounts (): ReadonlySet<AttackName> {
    return this.init.attacks
  }

  async join (addrs: string[]): Promise<void> {
    for (const addr of addrs) await this.libp2p.dial(multiaddr(addr)).catch(() => {})
  }

  start (): void {
    this.startedAt = Date.now()
    this.timer = setInterval(() => { this.tick() }, TICK_MS)
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    // Stopping the node ends its streams, and with them the reads still in flight.
    await this.libp2p.stop()
    await Promise.race([Promise.allSettled([...this.tasks]), new Promise(resolve => { setTimeout(resolve, 5000).unref() })])
  }

  /** Gossip attacks run from gossipAfterMs, verdict floods (which get it graylisted fastest) from twice that. */
  private gossiping (factor = 1): boolean {
    return this.startedAt > 0 && Date.now() - this.startedAt >= this.init.gossipAfterMs * factor
  }

  /** Runs `work` in the background, errors ignored (peers refuse, streams close): stop() waits for it. */
  private spawn (work: () => Promise<unknown>): void {
    const task = work().catch(() => {})
    this.tasks.add(task)
    void task.finally(() => this.tasks.delete(task))
  }

  private get internals (): Internals {
    return this.libp2p.services.pubsub as unknown as Internals
  }

  /** Peers it is connected to, fellow attackers left out. */
  private targets (): string[] {
    return [...new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))].filter(p => !this.init.allies.has(p))
  }

  private async listen (): Promise<void> {
    const { network } = this.init
    const pubsub = this.libp2p.services.pubsub
    for (const type of ['announce', 'heartbeat', 'cancel', 'verdict'] as const) pubsub.subscribe(meshTopic(network, type))
    const announce = meshTopic(network, 'announce')
    const heartbeat = meshTopic(network, 'heartbeat')
    pubsub.addEventListener('message', event => {
      const message = event.detail
      if (message.topic !== announce || message.type !== 'signed') return
      const owner = message.from.toString()
      if (owner === this.id || this.init.allies.has(owner)) return
      try {
        for (const task of decodeTaskAnnounce(message.data).tasks) this.pending.push({ owner, offer: task })
      } catch {}
    })
    // Every RPC as it arrives, before its own gossipsub checks it: honest heartbeats kept for
    // replays, and (once gossip attacks run) honest messages re-signed and raced to the others.
    const internals = this.internals
    const received = internals.handleReceivedRpc.bind(internals)
    internals.handleReceivedRpc = async (from, rpc) => {
      for (const message of rpc.messages) {
        if (message.data == null || message.from == null) continue
        const author = peerIdFromBytes(message.from)?.toString()
        if (author == null || author === this.id || this.init.allies.has(author)) continue
        if (message.topic === heartbeat) {
          this.captured.push({ at: Date.now(), message })
          if (this.captured.length > 200) this.captured.shift()
        }
        if (this.gossiping() && (message.topic === heartbeat || message.topic === announce) && this.poisonBudget > 0) {
          this.poisonBudget--
          const data = message.data
          const topic = message.topic
          this.spawn(async () => {
            const copy = await signedMessage(this.key, topic, data)
            for (const peer of this.targets()) if (peer !== from.toString() && this.sendRaw(peer, [copy])) this.counts.poisonedCopies++
          })
        }
      }
      await received(from, rpc)
    }
    await this.libp2p.handle(leaseProtocol(network), (stream, connection) => {
      const from = connection.remotePeer.toString()
      this.spawn(async () => { await readLeases(stream, body => { this.onLease(body, from) }) })
    })
    this.phantoms = await Promise.all(Array.from({ length: PHANTOMS }, async () => await generateKeyPair('Ed25519')))
    this.phantomIds.push(...this.phantoms.map(key => peerIdFromPrivateKey(key).toString()))
  }

  private sendRaw (peer: string, messages: RPC.Message[]): boolean {
    return this.internals.sendRpc(peer, { subscriptions: [], messages, control: undefined })
  }

  private send (peer: string, messages: Parameters<typeof sendLeases>[3]): void {
    this.spawn(async () => { await sendLeases(this.libp2p, this.init.network, peer, messages) })
  }

  private tick (): void {
    this.ticks++
    for (const { owner, offer: task } of this.pending.splice(0)) this.consider(owner, task)
    for (const task of this.held.values()) {
      this.counts.renewals++
      this.send(peerIdFromBytes(task.owner)?.toString() ?? '', [{ renew: { task, worker: peerIdToBytes(this.id), progress: 50 } }])
    }
    const { attacks } = this.init
    if (this.ticks % 4 === 1 && (attacks.has('theft') || attacks.has('fake-owner'))) this.announceOwn()
    if (!this.gossiping()) return
    this.poisonBudget = attacks.has('poison') ? 4 : 0
    const targets = this.targets()
    if (attacks.has('phantoms')) {
      this.spawn(async () => {
        const heartbeats = await Promise.all(this.phantoms.map(async key => await signedMessage(key, meshTopic(this.init.network, 'heartbeat'), phantomHeartbeat(key, this.init.kinds))))
        for (const peer of targets) if (this.sendRaw(peer, heartbeats)) this.counts.phantomHeartbeats += heartbeats.length
      })
    }
    // One replay old enough to be stale, one fresh enough to be a duplicate.
    const old = this.captured.filter(c => Date.now() - c.at >= this.init.replayAgeMs)
    const stale = attacks.has('replays') ? old[this.init.random.int(0, Math.max(0, old.length - 1))] : undefined
    const fresh = attacks.has('replays') ? this.captured.at(-1) : undefined
    for (const peer of targets) {
      if (stale != null && this.sendRaw(peer, [stale.message])) this.counts.staleReplays++
      if (fresh != null && this.sendRaw(peer, [fresh.message])) this.counts.replays++
    }
    if (this.ticks % 4 === 0 && this.gossiping(2) && attacks.has('verdicts')) this.spawn(async () => { await this.floodVerdicts(targets) })
  }

  /** An honest owner's offer, seen for the first time: pick what to do with it. */
  private consider (owner: string, task: TaskOffer): void {
    const id = toHex(task.taskId)
    if (!this.moves.has(id)) {
      this.counts.offersSeen++
      const roll = this.init.random.float()
      const move: Move = !this.init.attacks.has('leases') ? 'pass' : roll < 0.3 ? 'sabotage' : roll < 0.45 ? 'hold' : roll < 0.6 ? 'silent' : 'pass'
      this.moves.set(id, move)
      const replica = task.openReplicas[0]
      if (move !== 'pass' && replica != null) {
        this.counts.claims++
        this.send(owner, [{ claim: { task: { owner: peerIdToBytes(owner), taskId: task.taskId, replica, epoch: 0 }, worker: peerIdToBytes(this.id) } }])
      }
    }
    const hash = toHex(task.inputHash)
    if (this.init.attacks.has('theft') && task.input.byteLength === 0 && !this.targeted.has(hash)) {
      this.targeted.add(hash)
      this.steal(owner, task)
    }
  }

  /**
   * Tries to read an input it holds no lease for (announcements carry only its hash and size:
   * the input travels in the grant, or by hash when large): from its owner, from workers, and
   * through a task of its own naming it.
   */
  private steal (owner: string, task: TaskOffer): void {
    const others = this.targets().filter(p => p !== owner)
    const from = [owner, ...others.slice(0, 2)]
    for (const peer of from) this.spawn(async () => { await this.fetch(peer, task.inputHash, `blob from ${peer === owner ? 'its owner' : 'a worker'}`) })
    const theft = offer({ kind: 'echo', inputHash: task.inputHash, inputSize: task.inputSize, timeoutMs: 30_000, maxAttempts: 1 })
    this.thefts.set(toHex(theft.taskId), { offer: theft, victim: task.inputHash, answered: false })
    this.counts.theftTasks++
  }

  private async fetch (peer: string, hash: Uint8Array, via: string): Promise<void> {
    this.counts.blobFetches++
    const got = await fetchBlob(this.libp2p, this.init.network, peer, hash, { timeoutMs: 10_000 })
    if (got.sha256 != null) this.obtained.set(got.sha256, via)
  }

  /** Its own announcement: the theft tasks still unanswered and two new top-priority tasks that it will never grant. */
  private announceOwn (): void {
    const input = new TextEncoder().encode('100')
    const fake = Array.from({ length: this.init.attacks.has('fake-owner') ? 2 : 0 }, () => offer({ kind: this.init.kinds[0] ?? 'sleep', priority: 1000, timeoutMs: 60_000, input, inputHash: sha256(input) as Uint8Array<ArrayBuffer>, inputSize: input.byteLength }))
    for (const task of fake) this.fakes.add(toHex(task.taskId))
    this.counts.fakeTasks += fake.length
    const tasks = [...[...this.thefts.values()].filter(t => !t.answered).map(t => t.offer), ...fake]
    if (tasks.length === 0) return
    const data = TaskAnnounce.encode({ version: PROTOCOL_VERSION, author: peerIdToBytes(this.id), timestamp: Date.now(), tasks, summary: [] })
    this.spawn(async () => await this.libp2p.services.pubsub.publish(meshTopic(this.init.network, 'announce'), data))
  }

  private async floodVerdicts (targets: string[]): Promise<void> {
    const honest = this.init.honest()
    if (honest.length < 2) return
    const subject = honest[this.init.random.int(0, honest.length - 1)] as string
    const contradictor = honest.find(p => p !== subject) as string
    const topic = meshTopic(this.init.network, 'verdict')
    const messages = await Promise.all(Array.from({ length: VERDICTS_PER_FLOOD }, async () => {
      const key = await generateKeyPair('Ed25519')
      return await signedMessage(key, topic, forgedVerdict(key, peerIdToBytes(subject), peerIdToBytes(contradictor)))
    }))
    for (const peer of targets) if (this.sendRaw(peer, messages)) this.counts.forgedVerdicts += messages.length
  }

  private onLease (body: LeaseBody, from: string): void {
    switch (body.type) {
      case 'grant': {
        const { grant } = body
        const id = toHex(grant.task.taskId)
        // A grant of a lease it already holds answers a renewal.
        if (this.held.has(id)) break
        this.counts.grants++
        if (grant.offer != null) this.granted.add(toHex(grant.offer.inputHash))
        if (grant.offer != null && grant.offer.input.byteLength > 0) this.obtained.set(toHex(sha256(grant.offer.input)), 'a grant')
        const move = this.moves.get(id) ?? 'silent'
        if (move === 'sabotage') {
          this.counts.sabotaged++
          this.spawn(async () => { await sendLeases(this.libp2p, this.init.network, from, [await resultMessage(this.key, grant.task, ResultStatus.FAILED_PERMANENT, new Uint8Array(), 'this task can never run')]) })
        } else if (move === 'hold') {
          this.counts.leasesHeld++
          this.held.set(id, grant.task)
        } else {
          this.counts.leasesDropped++
        }
        break
      }
      case 'refusal':
        this.counts.refusals++
        this.refusals[body.refusal.code] = (this.refusals[body.refusal.code] ?? 0) + 1
        this.held.delete(toHex(body.refusal.task.taskId))
        break
      case 'cancel':
        this.counts.cancels++
        this.held.delete(toHex(body.cancel.task.taskId))
        break
      case 'claim': {
        const id = toHex(body.claim.task.taskId)
        const theft = this.thefts.get(id)
        if (theft != null) this.send(from, [grantMessage(peerIdToBytes(this.id), from, theft.offer)])
        else if (this.fakes.has(id)) this.counts.claimsIgnored++
        break
      }
      case 'pull': {
        // A worker asks for work: it gets the theft tasks no one answered yet; a request for the
        // fake tasks is left unanswered (the fake owner never grants).
        const thefts = [...this.thefts.values()].filter(t => !t.answered).slice(0, body.pull.count)
        if (thefts.length > 0) this.send(from, thefts.map(t => grantMessage(peerIdToBytes(this.id), from, t.offer)))
        else this.counts.claimsIgnored += body.pull.count
        break
      }
      case 'result': {
        const theft = this.thefts.get(toHex(body.result.signed.task.taskId))
        if (theft == null || theft.answered) break
        theft.answered = true
        this.counts.theftResults++
        const { output, signed } = body.result
        if (output.byteLength > 0) this.obtained.set(toHex(sha256(output)), 'the output of its own task')
        this.spawn(async () => { await this.fetch(from, signed.outputHash, 'the output blob of its own task') })
        this.spawn(async () => { await this.fetch(from, theft.victim, 'a worker\'s cached copy') })
        break
      }
      default:
        break
    }
  }
}
