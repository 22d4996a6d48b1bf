import type { Task, TaskState } from './lifecycle.js'

/** A task as the API and CLI show it. */
export interface TaskView {
  id: string
  state: TaskState
  kind: string
  /** The batch's key (its idempotency key) and this task's place in it, for a task submitted with a key or in a batch. */
  key: string | null
  index: number | null
  owner: string
  attempts: number
  createdAt: number
  deadline: number
  priority: number
  redundancy: number
  error: string | null
  /** Why a pending or verifying task waits, as its owner sees it now (GET /v1/tasks/:id only; null in lists and once it runs or is finished). */
  waiting: string | null
  outputHash: string | null
  history: Task['history']
  leases: Array<{ replica: number, holder: string, epoch: number, expiresAt: number }>
  /** Each replica: its worker, the hash of the output it reported, and how that compared with the accepted one. */
  replicas: Array<{ index: number, status: string, epoch: number, attempts: number, progress: number, worker: string | null, outputHash: string | null, verdict: 'agreed' | 'misreport' | null, check: boolean }>
}

export function viewOf (task: Task, waiting: string | null = null): TaskView {
  return {
    id: task.id,
    state: task.state,
    kind: task.spec.kind,
    key: task.spec.idempotencyKey ?? null,
    index: task.spec.idempotencyKey != null ? task.spec.batchIndex ?? 0 : null,
    owner: task.owner,
    attempts: task.replicas.reduce((sum, r) => sum + r.attempts, 0),
    createdAt: task.createdAt,
    deadline: task.spec.deadline,
    priority: task.spec.priority,
    redundancy: task.spec.redundancy,
    error: task.error ?? null,
    waiting,
    outputHash: task.outputHash ?? null,
    history: task.history,
    leases: task.replicas.flatMap(r => r.lease == null ? [] : [{ replica: r.index, ...r.lease }]),
    replicas: task.replicas.map(r => ({
      index: r.index,
      status: r.status,
      epoch: r.epoch,
      attempts: r.attempts,
      progress: r.progress,
      worker: r.lease?.holder ?? r.doneBy ?? null,
      outputHash: r.outputHash ?? null,
      verdict: r.verdict ?? null,
      check: r.verification === true
    }))
  }
}
