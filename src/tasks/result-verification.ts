import { LIMITS } from '../gossip/wire/limits.js'
import { ResultStatus, VerdictKind, type Result, type SignedResult, type TaskRef } from '../gossip/wire/mesh.js'
import { verifyResult } from '../gossip/wire/result-signature.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { WASM_KIND, fromHex, toHex } from './spec.js'
import type { LifecycleSettings, ResultOutcome, Task, TaskEvent } from './lifecycle.js'
import type { MeshProtocol } from '../gossip/mesh-protocol.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'

/**
 * How an owner checks the results it is sent: which kinds are compared, which lone results are
 * spot-checked on another peer (and whether any peer could check one), and the misreport a
 * result contradicted by the majority makes: first-hand, and a verdict on gossip with evidence.
 */

export interface ResultVerificationComponents {
  /** This node's peer id, as a string and as bytes (the owner of the tasks it judges). */
  self: string
  selfBytes: Uint8Array<ArrayBuffer>
  /** Connected live peers (who could check a result) and the verdict topic. */
  protocol: Pick<MeshProtocol, 'peerTable' | 'verdict'>
  reputation: Pick<ReputationHook, 'report' | 'stateOf' | 'spotCheckProbability'>
  /** Kinds whose outputs are comparable on this node. */
  deterministicKinds: ReadonlySet<string>
  /** Whether this node's own worker runs a kind. */
  runsLocally: (kind: string) => boolean
  /** Its randomness decides the spot checks. */
  lifecycle: Pick<LifecycleSettings, 'random'>
  reannounceMs: number
  logger: Logger
}

const OUTCOMES: Record<ResultStatus, ResultOutcome | undefined> = {
  [ResultStatus.SUCCEEDED]: 'succeeded',
  [ResultStatus.FAILED]: 'failed',
  [ResultStatus.FAILED_PERMANENT]: 'failed_permanent',
  [ResultStatus.RESULT_UNSPECIFIED]: undefined
}

/** A worker's result as the lifecycle's event (none for a status it does not know). */
export function resultEvent (result: Result & { signed: { task: TaskRef } }, from: string): (TaskEvent & { type: 'resultReceived' }) | undefined {
  const { signed } = result
  const outcome = OUTCOMES[signed.status]
  if (outcome == null) return undefined
  return {
    type: 'resultReceived',
    worker: from,
    replica: signed.task.replica,
    epoch: signed.task.epoch,
    outcome,
    outputHash: toHex(signed.outputHash),
    exitCode: result.exitCode,
    stderrTail: result.stderrTail,
    signature: toHex(signed.signature),
    ...(result.error !== '' ? { error: result.error } : {})
  }
}

export class ResultVerification {
  private readonly components: ResultVerificationComponents

  constructor (components: ResultVerificationComponents) {
    this.components = components
  }

  /** How long a spot check may wait for a peer to take it before the result is accepted unverified. */
  spotCheckWaitMs (): number {
    return Math.max(2000, 10 * this.components.reannounceMs)
  }

  /** Whether outputs of a kind are comparable: wasm, this node's deterministic kinds, or a kind every connected live peer that runs it declares deterministic. */
  comparable (kind: string): boolean {
    if (kind === WASM_KIND || this.components.deterministicKinds.has(kind)) return true
    const runners = this.components.protocol.peerTable.capacity().flatMap(p => p.capabilities.filter(c => c.kind === kind))
    return runners.length > 0 && runners.every(c => c.deterministic)
  }

  /**
   * Whether to re-run a lone result of `worker` on another peer before accepting it: with the
   * probability reputation gives the worker, and only if another peer that could run it exists.
   */
  spotCheck (task: Task, worker: string): boolean {
    if (task.spec.redundancy !== 1 || task.replicas.length !== 1) return false
    const p = this.components.reputation.spotCheckProbability?.(worker) ?? 0
    if (p <= 0) return false
    return this.checkerAvailable(task, [worker]) && this.components.lifecycle.random() < p
  }

  /** Whether a connected live peer (or this node) other than `exclude` could run the task now: kind, slots, memory, not banned. Peers only heard of do not count: anyone can relay a heartbeat for a made-up author. */
  checkerAvailable (task: Task, exclude: string[]): boolean {
    const fits = (slotsTotal: number, memoryFree: number): boolean => slotsTotal >= (task.spec.slots ?? 1) && memoryFree >= (task.spec.memoryBytes ?? 0)
    return (this.components.runsLocally(task.spec.kind) && !exclude.includes(this.components.self)) || this.components.protocol.peerTable.capacity().some(peer =>
      !exclude.includes(peer.peerId) && peer.capabilities.some(c => c.kind === task.spec.kind) && fits(peer.slotsTotal, peer.memoryFree) &&
      this.components.reputation.stateOf?.(peer.peerId) !== 'banned')
  }

  /**
   * A replica's result disagreed with the accepted output: a misreport, first-hand, and a
   * verdict on gossip so other nodes learn of it, with the worker's own signed result and the
   * majority's as evidence. Signatures are checked here, lazily, now that they are evidence: a
   * result whose signature fails was never the worker's word and proves nothing.
   */
  async publishMisreport (task: Task, index: number): Promise<void> {
    const signedOf = (replica: number): SignedResult | undefined => {
      const r = task.replicas[replica]
      if (r?.doneBy == null || r.outputHash == null || r.signature == null) return undefined
      return {
        task: { owner: this.components.selfBytes, taskId: fromHex(task.id) as Uint8Array<ArrayBuffer>, replica, epoch: r.epoch },
        worker: peerIdToBytes(r.doneBy),
        status: r.failed === true ? ResultStatus.FAILED_PERMANENT : ResultStatus.SUCCEEDED,
        outputHash: fromHex(r.outputHash) as Uint8Array<ArrayBuffer>,
        signature: fromHex(r.signature) as Uint8Array<ArrayBuffer>
      }
    }
    const subject = task.replicas[index]?.doneBy
    const own = signedOf(index)
    if (subject == null) return
    if (own == null || !await verifyResult(own)) {
      // It sent an output the majority contradicts and a signature that is not its own: both count.
      this.components.reputation.report(subject, 'invalid_message', `task ${task.id}: a result whose signature does not verify`)
      this.components.reputation.report(subject, 'misreport', `task ${task.id} replica ${index}: its result differs from the accepted one`)
      return
    }
    this.components.reputation.report(subject, 'misreport', `task ${task.id} replica ${index}: its result differs from the accepted one`)
    const majority: SignedResult[] = []
    for (const r of task.replicas) {
      if (r.verdict !== 'agreed' || majority.length >= LIMITS.evidence - 1) continue
      const signed = signedOf(r.index)
      if (signed != null && await verifyResult(signed)) majority.push(signed)
    }
    if (majority.length === 0) return
    try {
      await this.components.protocol.verdict({ subject: peerIdToBytes(subject), kind: VerdictKind.MISREPORT, task: own.task, evidence: [own, ...majority] })
    } catch (err) {
      this.components.logger.debug({ err: (err as Error).message, task: task.id }, 'verdict not published')
    }
  }
}
