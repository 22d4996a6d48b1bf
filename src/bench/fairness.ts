import type { TaskView } from '../tasks/view.js'
import { finishTimes, round, type Nodes } from './nodes.js'

/** Jain's fairness index, (Σx)² / (n·Σx²): 1 when every share is equal, 1/n when one takes all; null for no shares or all zero. */
export function jain (shares: number[]): number | null {
  const sum = shares.reduce((a, b) => a + b, 0)
  const squares = shares.reduce((a, b) => a + b * b, 0)
  return shares.length === 0 || squares === 0 ? null : sum * sum / (shares.length * squares)
}

export interface Fairness {
  jain: number | null
  /** Tasks done by each worker, the owner's own worker first. */
  perWorker: number[]
  tasks: number
}

/**
 * How evenly `tasks` sleep tasks of 20 ms at redundancy 1 spread over 4 equal workers (2 slots
 * each), one of them the owner's own worker. A task counts for the worker that ran its replica;
 * spot-check replicas are not counted (they are extra runs, not tasks done).
 */
export async function fairness (nodes: Nodes, tasks: number): Promise<Fairness> {
  const { owner, workers } = await nodes.mesh(4, { worker: true, slots: 2 }, { slots: 2 })
  const ids = await owner.tasks.submit({ kind: 'sleep', input: '20', count: tasks, redundancy: 1 })
  await finishTimes(owner, ids, 300_000)
  const done = new Map<string, number>()
  for (const id of ids) {
    const view = owner.tasks.get(id) as TaskView
    if (view.state !== 'succeeded') continue
    for (const r of view.replicas) {
      if (!r.check && r.status === 'done' && r.worker != null) done.set(r.worker, (done.get(r.worker) ?? 0) + 1)
    }
  }
  const perWorker = [owner, ...workers].map(node => done.get(node.peerId) ?? 0)
  return { jain: round(jain(perWorker), 3), perWorker, tasks }
}
