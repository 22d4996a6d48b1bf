import { RefusalCode } from '../gossip/wire/mesh.js'
import type { Task } from './lifecycle.js'
import type { ReputationHook } from '../reputation/hook.js'

/**
 * The live leases each worker holds on this owner's tasks, and how many it may hold: none when
 * banned, one when throttled, a slow-start budget on probation (invariant 7, amended).
 */

export interface LeaseBudgetComponents {
  reputation: Pick<ReputationHook, 'stateOf' | 'verified'>
  /** Live leases a fresh peer (on probation, no verified result yet) may hold; doubles with each verified result. */
  probationLeases: number
}

export class LeaseBudget {
  private readonly components: LeaseBudgetComponents
  /** Live leases per worker on this owner's tasks. */
  private readonly counts = new Map<string, number>()

  constructor (components: LeaseBudgetComponents) {
    this.components = components
  }

  /** Workers holding live leases of this owner's tasks. */
  holders (): string[] {
    return [...this.counts.keys()]
  }

  /** Live leases the worker holds now. */
  held (worker: string): number {
    return this.counts.get(worker) ?? 0
  }

  /**
   * Why this owner grants a peer nothing now, if it does not: banned peers get no leases;
   * throttled and probation peers one live lease at a time (on this owner's tasks). Probation
   * never blocks a task outright: the one lease is always there to have.
   */
  ineligible (worker: string): { code: RefusalCode, reason: string } | undefined {
    const state = this.components.reputation.stateOf?.(worker) ?? 'neutral'
    if (state === 'banned') return { code: RefusalCode.NOT_ELIGIBLE, reason: 'banned by this owner' }
    if (this.allowance(worker) <= 0) return { code: RefusalCode.AT_LIMIT, reason: `${state}: ${this.budget(worker)} live lease(s) at a time` }
    return undefined
  }

  /**
   * Live leases a peer may hold on this owner's tasks (invariant 7, amended): none when banned,
   * one when throttled; on probation a budget of unverified work that starts at
   * `probationLeases` and doubles with each verified result (TCP's slow start); otherwise no
   * limit but the worker's own requests.
   */
  budget (worker: string): number {
    const state = this.components.reputation.stateOf?.(worker) ?? 'neutral'
    if (state === 'banned') return 0
    if (state === 'throttled') return 1
    if (state === 'probation') return this.components.probationLeases * 2 ** Math.min(10, this.components.reputation.verified?.(worker) ?? 0)
    return Infinity
  }

  /** Leases the worker may take still (its budget less what it holds). */
  allowance (worker: string): number {
    return this.budget(worker) - (this.counts.get(worker) ?? 0)
  }

  /** Adds (delta 1) or takes away (-1) the task's live leases from their holders' counts. */
  count (task: Task, delta: number): void {
    for (const r of task.replicas) {
      if (r.lease == null) continue
      const n = (this.counts.get(r.lease.holder) ?? 0) + delta
      if (n <= 0) this.counts.delete(r.lease.holder)
      else this.counts.set(r.lease.holder, n)
    }
  }
}
