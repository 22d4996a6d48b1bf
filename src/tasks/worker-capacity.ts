import { toHex } from './spec.js'
import type { Executor } from './exec/executor.js'
import type { TaskOffer } from '../gossip/wire/mesh.js'

/** What a worker has to run tasks with: its slots and memory budget, and which tasks fit in them. */
export interface WorkerCapacity {
  slots: number
  /** Memory the running tasks may reserve in all (absent: no budget). */
  memoryBytes?: number
  /** Whether this node could ever run a task of this kind and size: kind, slots, memory, and the executor's own limits. */
  couldRun: (offer: Pick<TaskOffer, 'kind' | 'slots' | 'memoryBytes'> & Partial<TaskOffer>) => boolean
}

export interface WorkerCapacityInit {
  executor: Pick<Executor, 'canRun'>
  slots: number
  memoryBytes?: number
  /** Further checks of an offer this node's executor can run (e.g. the wasm memory cap). */
  admits?: (offer: TaskOffer) => boolean
}

export function workerCapacity ({ executor, slots, memoryBytes, admits }: WorkerCapacityInit): WorkerCapacity {
  return {
    slots,
    memoryBytes,
    couldRun: offer => executor.canRun(offer.kind) &&
      Math.max(1, offer.slots) <= slots &&
      offer.memoryBytes <= (memoryBytes ?? Number.MAX_SAFE_INTEGER) &&
      (admits?.(offer as TaskOffer) ?? true)
  }
}

const MAX_BEYOND_LIMITS = 10_000

/** Tasks (owner/task id) a run of which hit this worker's own limits: not claimed again, and given back if granted again. Bounded, oldest first out. */
export class BeyondLimits {
  private readonly tasks = new Set<string>()

  add (owner: string, taskId: Uint8Array): void {
    this.tasks.add(`${owner}/${toHex(taskId)}`)
    if (this.tasks.size > MAX_BEYOND_LIMITS) this.tasks.delete(this.tasks.values().next().value as string)
  }

  has (owner: string, taskId: Uint8Array): boolean {
    return this.tasks.has(`${owner}/${toHex(taskId)}`)
  }
}
