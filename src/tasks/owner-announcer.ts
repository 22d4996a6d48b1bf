import { LIMITS } from '../gossip/wire/limits.js'
import { openReplicas, type Task } from './lifecycle.js'
import { fromHex, sha256 } from './spec.js'
import type { Backlog } from './backlog.js'
import type { Dispatcher } from './dispatcher.js'
import type { TaskStore } from './store.js'
import type { TaskWorker } from './worker.js'
import type { Clock } from '../clock.js'
import type { MeshProtocol } from '../gossip/mesh-protocol.js'
import type { TaskOffer, WorkSummary } from '../gossip/wire/mesh.js'
import type { Logger } from '../logger.js'

/**
 * The owner's announcements of open work: a summary by kind (what workers pull from) and the
 * first tasks in full (for peers that claim tasks by name), paced below its peers' rate limit;
 * and the offer a task is granted with.
 */

export interface OwnerAnnouncerComponents {
  /** This node's peer id (its own worker hears its announcements from it). */
  self: string
  protocol: Pick<MeshProtocol, 'announce'>
  /** This node's own worker, told of its own open work directly (gossip does not echo it back). */
  worker?: Pick<TaskWorker, 'heard'>
  /** Small wasm modules are read from it for the grants that carry them inline. */
  store: Pick<TaskStore, 'blob'>
  /** Open tasks in memory, in the order they are granted. */
  ready: Pick<Dispatcher, 'readyTasks' | 'summary'>
  /** Pending tasks parked in the store, counted by kind. */
  parked: Pick<Backlog, 'summary'>
  /** The unfinished task in memory with this id, if any. */
  resident: (id: string) => Task | undefined
  /** Kinds whose outputs are comparable (for the offer's `deterministic` flag). */
  deterministicKinds: ReadonlySet<string>
  clock: Clock
  logger: Logger
}

/** Offers announced in full per announcement at most: the rest are counted in its summary (workers pull, they need no list). */
const OFFERS_PER_ANNOUNCE = 64
/** Announcements of new work are this far apart at least (with the periodic one, ≤ 10 gossip messages a second: peers allow 20). */
const ANNOUNCE_GAP_MS = 250

export class OwnerAnnouncer {
  private readonly components: OwnerAnnouncerComponents
  private readonly queue: Task[] = []
  private timer?: unknown
  private lastAnnounceAt = -Infinity
  /** A periodic announcement cycle is running. */
  private announcing = false
  /** Input hashes, computed once per input buffer (a batch shares one). */
  private readonly inputHashes = new WeakMap<Uint8Array, Uint8Array>()
  /** Small wasm modules, read once from the store for the grants that carry them inline. */
  private readonly inlineModules = new Map<string, Uint8Array>()

  constructor (components: OwnerAnnouncerComponents) {
    this.components = components
  }

  /** Drops what is queued and its timer. */
  stop (): void {
    this.components.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.queue.length = 0
  }

  /**
   * New work is announced together: what opens within a moment shares one announcement (the
   * summary, and the first OFFERS_PER_ANNOUNCE tasks in full), at most one every
   * ANNOUNCE_GAP_MS, so a stream of submits cannot push this node past its peers' rate limit
   * (a restarted node starts with a full bucket; its peers' bucket for it may not be). Workers
   * with standing requests do not wait for it: their grants go out at once.
   */
  queueAnnounce (tasks: Task[]): void {
    for (const task of tasks) {
      if (this.queue.length >= OFFERS_PER_ANNOUNCE) break
      this.queue.push(task)
    }
    if (this.timer != null) return
    const { clock, resident } = this.components
    const now = clock.now()
    this.timer = clock.setTimeout(() => {
      this.timer = undefined
      this.lastAnnounceAt = clock.now()
      const queued = this.queue.splice(0)
      // Offers name tasks in memory only (a parked one could not be claimed by name).
      void this.announce(queued.map(t => resident(t.id)).filter((t): t is Task => t != null), clock.now())
    }, Math.max(5, this.lastAnnounceAt + ANNOUNCE_GAP_MS - now))
  }

  /**
   * Announces every task with a replica open now: new ones, retries past their backoff, expired
   * leases. One cycle at a time: a cycle over many open tasks is paced to the gossip rate limit and can
   * outlast the interval; a tick that finds one still running is skipped, not queued.
   */
  async announceOpen (): Promise<void> {
    if (this.announcing) return
    this.announcing = true
    try {
      await this.announce(this.components.ready.readyTasks(), this.components.clock.now())
    } finally {
      this.announcing = false
    }
  }

  /**
   * Announces open work: a summary of every kind (how many open replicas, the highest priority,
   * the most slots and memory one needs), and the first OFFERS_PER_ANNOUNCE of `tasks` in full.
   * Workers pull from the summary; the offers serve peers that claim tasks by name.
   */
  private async announce (tasks: Iterable<Task>, now: number): Promise<void> {
    const offers: TaskOffer[] = []
    for (const task of tasks) {
      if (offers.length >= OFFERS_PER_ANNOUNCE) break
      const open = openReplicas(task, now)
      if (open.length > 0) offers.push(this.offerOf(task, open, false))
    }
    const summary = this.summary(now)
    if (offers.length === 0 && summary.length === 0) return
    this.components.worker?.heard(this.components.self, summary, offers)
    try {
      await this.components.protocol.announce(offers, summary)
    } catch (err) {
      this.components.logger.warn({ err: (err as Error).message }, 'announce failed; will retry')
    }
  }

  /** Open work by kind, for announcements (at most LIMITS.summaryKinds kinds, the most open first). */
  private summary (now: number): WorkSummary[] {
    const kinds = this.components.ready.summary(now)
    for (const [kind, parked] of this.components.parked.summary()) {
      const s = kinds.get(kind) ?? { open: 0, maxPriority: parked.maxPriority, slots: 1, memoryBytes: 0 }
      kinds.set(kind, { open: s.open + parked.open, maxPriority: Math.max(s.maxPriority, parked.maxPriority), slots: Math.max(s.slots, parked.slots), memoryBytes: Math.max(s.memoryBytes, parked.memoryBytes) })
    }
    return [...kinds]
      .sort((a, b) => b[1].open - a[1].open)
      .slice(0, LIMITS.summaryKinds)
      .map(([kind, s]) => ({ kind, open: Math.min(s.open, 0xFFFF_FFFF), maxPriority: s.maxPriority, slots: s.slots, memoryBytes: s.memoryBytes, deterministic: this.components.deterministicKinds.has(kind) }))
  }

  /**
   * The task as a worker sees it. Announcements leave the input out (it travels once, in the
   * grant), so re-announcing open tasks every second stays cheap.
   */
  offerOf (task: Task, replicas: number[], withInput: boolean): TaskOffer {
    const { spec } = task
    let inputHash: Uint8Array | undefined = spec.inputRef != null ? fromHex(spec.inputRef.hash) : this.inputHashes.get(spec.input)
    if (inputHash == null) {
      inputHash = sha256(spec.input)
      this.inputHashes.set(spec.input, inputHash)
    }
    const module = withInput && spec.module != null && spec.module.size <= LIMITS.inlineModuleBytes ? this.inlineModule(spec.module.hash) : undefined
    return {
      taskId: fromHex(task.id) as Uint8Array<ArrayBuffer>,
      kind: spec.kind,
      redundancy: spec.redundancy,
      timeoutMs: spec.timeoutMs,
      maxAttempts: spec.maxAttempts,
      priority: spec.priority,
      deadline: spec.deadline,
      input: (withInput ? spec.input : new Uint8Array()) as Uint8Array<ArrayBuffer>,
      inputHash: inputHash as Uint8Array<ArrayBuffer>,
      inputSize: spec.inputRef?.size ?? spec.input.byteLength,
      openReplicas: replicas,
      slots: spec.slots ?? 1,
      memoryBytes: spec.memoryBytes ?? 0,
      deterministic: this.components.deterministicKinds.has(spec.kind),
      module: (module ?? new Uint8Array()) as Uint8Array<ArrayBuffer>,
      moduleHash: (spec.module != null ? fromHex(spec.module.hash) : new Uint8Array()) as Uint8Array<ArrayBuffer>,
      moduleSize: spec.module?.size ?? 0
    }
  }

  /** A small module's bytes for a grant (a missing blob leaves the worker to fetch it, and fail clearly). */
  private inlineModule (hash: string): Uint8Array | undefined {
    let bytes = this.inlineModules.get(hash)
    if (bytes == null) {
      bytes = this.components.store.blob(hash)
      if (bytes == null) return undefined
      if (this.inlineModules.size >= 64) this.inlineModules.delete(this.inlineModules.keys().next().value as string)
      this.inlineModules.set(hash, bytes)
    }
    return bytes
  }
}
