import { LIMITS } from '../gossip/wire/limits.js'
import { toHex } from './spec.js'
import { fetchPayload } from './task-payload.js'
import { LOCAL_LIMIT_PREFIX, type Executor, type ExecResult } from './exec/executor.js'
import type { Blobs } from './blobs.js'
import type { LeaseRouter } from './lease-router.js'
import type { BeyondLimits, WorkerCapacity } from './worker-capacity.js'
import type { SendLease } from './worker-sender.js'
import type { Clock } from '../clock.js'
import type { TaskOffer, TaskRef } from '../gossip/wire/mesh.js'
import type { Logger } from '../logger.js'

/**
 * The worker's runs of granted tasks: a slot and memory for each (a grant that arrives while the
 * slots are full waits a moment for one), the lease renewed at half its TTL and watched for its
 * end, the executor's call, and the stops (timeout, lost lease, cancel, drain).
 */

export function replicaKey (owner: string, taskId: Uint8Array, replica: number): string {
  return `${owner}/${toHex(taskId)}/${replica}`
}

type StopReason = 'timeout' | 'lost lease' | 'cancelled' | 'stopping'

interface Run {
  key: string
  owner: string
  ref: TaskRef
  abort: AbortController
  slots: number
  memoryBytes: number
  ttlMs: number
  /** When the lease may end on the owner's side, by our clock (conservative). */
  leaseDeadline: number
  renewSentAt: number
  progress: number
  /** Settles when the executor has returned (its processes are gone). */
  ended: Promise<void>
  /** It waits for a slot (it holds its lease, renewed, but runs nothing yet). */
  waiting?: boolean
  renewTimer: unknown
  watchTimer: unknown
  stopReason?: StopReason
}

/** A granted task waiting for a slot (a reservation or a probe granted while the slots were full). */
interface Waiting {
  run: Run
  start: (started: boolean) => void
}

export interface TaskRunnerComponents {
  executor: Pick<Executor, 'run'>
  capacity: WorkerCapacity
  /** Tasks a run of which hit this worker's own limits: noted here, given back if granted again. */
  beyondLimits: BeyondLimits
  /** Fetches large inputs and modules from owners (absent: only inline ones run). */
  blobs?: Pick<Blobs, 'get'>
  send: SendLease
  /** A stop's releases go straight out, awaited, not through the commit window. */
  router: Pick<LeaseRouter, 'send'>
  selfBytes: Uint8Array<ArrayBuffer>
  clock: Clock
  logger: Logger
  /** A run ended with a result for its owner (a run that was stopped has none). */
  finished: (owner: string, ref: TaskRef, result: ExecResult, startedAt: number) => Promise<void>
}

/** A granted task waits this long for a slot at most, then is given back. */
const WAIT_FOR_SLOT_MS = 1_000
/** A grant is assumed to take less than this (at most a quarter of the TTL) to arrive: its lease is timed from its arrival less this. */
const GRANT_TRANSIT_MS = 1_000

export class TaskRunner {
  private readonly components: TaskRunnerComponents
  private readonly running = new Map<string, Run>()
  private readonly waiting: Waiting[] = []
  /** Set by endDrain(): running tasks are stopped now rather than at the drain bound. */
  private drainCut = false

  constructor (components: TaskRunnerComponents) {
    this.components = components
  }

  start (): void {
    this.drainCut = false
  }

  /**
   * Lets running tasks finish for up to `drainMs` (renewing their leases), then stops the rest
   * and releases their leases, so their owners re-grant them at once instead of waiting for
   * expiry. Waits for those releases, and for the stopped tasks to end (processes killed), up to
   * `releaseBoundMs`.
   */
  async drain (drainMs: number, releaseBoundMs: number): Promise<void> {
    const { clock, router, selfBytes } = this.components
    const deadline = clock.now() + drainMs
    while (this.running.size > 0 && clock.now() < deadline && !this.drainCut) {
      await new Promise(resolve => { clock.setTimeout(() => { resolve(undefined) }, 50) })
    }
    const stopping = [...this.running.values()]
    const releases = stopping.map(async run => {
      this.halt(run, 'stopping')
      await router.send(run.owner, [{ release: { task: run.ref, worker: selfBytes, reason: 'worker stopping' } }]).catch(() => {})
    })
    // Wait for the releases, and for the stopped runs to end (their processes killed, after the
    // kill grace if they ignore SIGTERM), so nothing of theirs outlives the node.
    const ended = stopping.map(async run => { await run.ended })
    await Promise.race([Promise.all([...releases, ...ended]), new Promise(resolve => { clock.setTimeout(() => { resolve(undefined) }, releaseBoundMs) })])
  }

  /** Cuts a drain short (a second signal): running tasks are stopped and released at once. */
  endDrain (): void {
    this.drainCut = true
  }

  count (): number {
    return this.running.size
  }

  /** Owners of the leases it holds. */
  owners (): string[] {
    return [...this.running.values()].map(run => run.owner)
  }

  /** Slots the runs take (those waiting for one too). */
  slotsHeld (): number {
    let slots = 0
    for (const r of this.running.values()) slots += r.slots
    return slots
  }

  /** Runs per owner. */
  perOwner (): Map<string, number> {
    const load = new Map<string, number>()
    for (const r of this.running.values()) load.set(r.owner, (load.get(r.owner) ?? 0) + 1)
    return load
  }

  /** Memory of the budget not reserved by running tasks. */
  freeMemory (): number {
    let memoryBytes = 0
    for (const r of this.running.values()) memoryBytes += r.memoryBytes
    return Math.max(0, (this.components.capacity.memoryBytes ?? Number.MAX_SAFE_INTEGER) - memoryBytes)
  }

  /** Whether it holds a lease of this replica. */
  holds (owner: string, task: TaskRef): boolean {
    return this.running.has(replicaKey(owner, task.taskId, task.replica))
  }

  /** Gives a granted lease back to its owner. */
  release (owner: string, task: TaskRef, reason: string): void {
    this.components.send(owner, [{ release: { task, worker: this.components.selfBytes, reason } }])
  }

  /** A grant this worker asked for: run it if it fits (slots, memory, this worker's limits), or give it back. */
  accept (owner: string, task: TaskRef, offer: TaskOffer, ttlMs: number): void {
    const { capacity, beyondLimits, clock, logger } = this.components
    if (!capacity.couldRun(offer)) {
      this.release(owner, task, `${LOCAL_LIMIT_PREFIX}the task needs more than this worker has (slots or memory)`)
      return
    }
    if (beyondLimits.has(owner, task.taskId)) {
      this.release(owner, task, `${LOCAL_LIMIT_PREFIX}a run of this task hit this worker's own limits before`)
      return
    }
    const slots = Math.max(1, offer.slots)
    if (offer.memoryBytes > this.freeMemory()) {
      this.release(owner, task, 'not enough free memory')
      return
    }
    // Timed from its arrival, less the transit it may have taken: on the safe side of the owner's clock.
    const grantedAt = clock.now() - Math.min(GRANT_TRANSIT_MS, Math.floor(ttlMs / 4))
    this.execute(owner, task, offer, ttlMs, { slots, memoryBytes: offer.memoryBytes, grantedAt }).catch(err => {
      logger.error({ err, task: replicaKey(owner, task.taskId, task.replica) }, 'task execution failed')
    })
  }

  /**
   * The owner's answer to a renewal. It extended the lease when it got the renewal, which was
   * after we sent it: counting from the send time is on the safe side of its clock.
   */
  renewed (owner: string, task: TaskRef, ttlMs: number): void {
    const run = this.running.get(replicaKey(owner, task.taskId, task.replica))
    if (run != null && run.ref.epoch === task.epoch) run.leaseDeadline = run.renewSentAt + ttlMs
    // No run: the answer came after the task finished. Nothing to give back.
  }

  /** The owner refused this worker's word on the task: a run of that epoch (or later) holds no lease. */
  refused (owner: string, task: TaskRef): void {
    const run = this.running.get(replicaKey(owner, task.taskId, task.replica))
    if (run != null && (task.epoch === 0 || task.epoch >= run.ref.epoch)) this.halt(run, 'lost lease')
  }

  stopTask (owner: string, taskId: Uint8Array, reason: StopReason, replica?: number): void {
    for (const run of this.running.values()) {
      if (run.owner === owner && toHex(run.ref.taskId) === toHex(taskId) && (replica == null || run.ref.replica === replica)) this.halt(run, reason)
    }
  }

  private async execute (owner: string, ref: TaskRef, offer: TaskOffer, ttlMs: number, claim: { slots: number, memoryBytes: number, grantedAt: number }): Promise<void> {
    const { clock, executor, logger, blobs } = this.components
    const key = replicaKey(owner, ref.taskId, ref.replica)
    const claimedAt = claim.grantedAt
    // The lease cannot end before grantedAt + TTL.
    let markEnded = (): void => {}
    const ended = new Promise<void>(resolve => { markEnded = resolve })
    const run: Run = { key, owner, ref, abort: new AbortController(), slots: claim.slots, memoryBytes: claim.memoryBytes, ttlMs, leaseDeadline: claimedAt + ttlMs, renewSentAt: claimedAt, progress: 0, ended, renewTimer: undefined, watchTimer: undefined }
    this.running.set(key, run)
    const startedAt = clock.now()
    run.renewTimer = clock.setInterval(() => { this.renew(run) }, Math.max(50, Math.floor(ttlMs / 2)))
    // Stop as soon as the lease may have ended on the owner's side, not at the next renewal.
    run.watchTimer = clock.setInterval(() => { if (clock.now() > run.leaseDeadline) this.halt(run, 'lost lease') }, Math.max(25, Math.floor(ttlMs / 8)))
    // A reservation or a probe granted while the slots were full waits a moment for one.
    if (!await this.slotFor(run)) {
      clock.clearInterval(run.renewTimer)
      clock.clearInterval(run.watchTimer)
      this.running.delete(key)
      markEnded()
      if (run.stopReason == null) this.release(owner, ref, 'no free slot')
      this.startWaiting()
      return
    }
    const timeout = clock.setTimeout(() => { this.halt(run, 'timeout') }, offer.timeoutMs)
    logger.debug({ task: key, epoch: ref.epoch }, 'running task')
    let result: ExecResult
    try {
      const { input, module } = await fetchPayload(blobs, owner, offer, run.abort.signal)
      result = await executor.run(offer.kind, input, { signal: run.abort.signal, onProgress: p => { run.progress = p }, memoryBytes: run.memoryBytes, ...(module != null ? { module } : {}) })
    } catch (err) {
      result = { outcome: 'failed', output: new Uint8Array(), error: (err as Error).message }
    } finally {
      clock.clearInterval(run.renewTimer)
      clock.clearInterval(run.watchTimer)
      clock.clearTimeout(timeout)
      this.running.delete(key)
      markEnded()
      this.startWaiting()
    }
    if (run.stopReason === 'timeout') result = { outcome: 'failed', output: new Uint8Array(), error: `timed out after ${offer.timeoutMs} ms` }
    else if (run.stopReason != null) {
      logger.info({ task: key, epoch: ref.epoch, reason: run.stopReason }, 'task stopped')
      return
    }
    if (result.localLimit === true) this.components.beyondLimits.add(owner, ref.taskId)
    if (result.output.byteLength > LIMITS.blobBytes || (result.output.byteLength > LIMITS.inlineOutputBytes && blobs == null)) {
      result = { outcome: 'failed_permanent', output: new Uint8Array(), error: `output of ${result.output.byteLength} bytes is over the ${LIMITS.blobBytes}-byte limit` }
    }
    await this.components.finished(owner, ref, result, startedAt)
  }

  /** Slots taken by runs that have started (not those waiting). */
  private slotsInUse (): number {
    let n = 0
    for (const r of this.running.values()) if (r.waiting !== true) n += r.slots
    return n
  }

  /** Resolves true when the run may start (a slot is free), false if none frees within WAIT_FOR_SLOT_MS or the run is stopped meanwhile. */
  private async slotFor (run: Run): Promise<boolean> {
    run.waiting = true
    if (this.waiting.length === 0 && this.slotsInUse() + run.slots <= this.components.capacity.slots) {
      delete run.waiting
      return true
    }
    return await new Promise<boolean>(resolve => {
      const entry: Waiting = { run, start: started => { delete run.waiting; resolve(started) } }
      this.waiting.push(entry)
      const giveUp = (): void => {
        const i = this.waiting.indexOf(entry)
        if (i < 0) return
        this.waiting.splice(i, 1)
        entry.start(false)
      }
      this.components.clock.setTimeout(giveUp, WAIT_FOR_SLOT_MS)
      run.abort.signal.addEventListener('abort', giveUp, { once: true })
    })
  }

  /** Starts waiting runs, oldest first, while slots are free. */
  private startWaiting (): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as Waiting
      if (this.slotsInUse() + next.run.slots > this.components.capacity.slots) return
      this.waiting.shift()
      next.start(true)
    }
  }

  private renew (run: Run): void {
    const { clock, send, selfBytes } = this.components
    if (clock.now() > run.leaseDeadline) {
      this.halt(run, 'lost lease')
      return
    }
    run.renewSentAt = clock.now()
    send(run.owner, [{ renew: { task: run.ref, worker: selfBytes, progress: run.progress } }])
  }

  private halt (run: Run, reason: StopReason): void {
    if (run.stopReason != null) return
    run.stopReason = reason
    run.abort.abort(new Error(reason))
  }
}
