import { MeshError } from '../errors.js'
import { viewOf } from './view.js'
import type { TaskState } from './lifecycle.js'
import type { TaskOwner } from './owner.js'
import type { TaskWorker } from './worker.js'
import type { ApiTasks } from '../api/server.js'

const STATES: readonly string[] = ['pending', 'leased', 'verifying', 'succeeded', 'failed', 'cancelled']

/** The task operations the API serves, over this node's owner (and worker, for its figures). */
export function taskApi (owner: () => TaskOwner, worker: () => TaskWorker | undefined): ApiTasks {
  const find = (id: string): ReturnType<TaskOwner['get']> & object => {
    const task = owner().get(id)
    if (task == null) throw new MeshError('NOT_FOUND', `no task ${id}`)
    return task
  }
  return {
    submit: async request => await owner().submit(request),
    list: state => {
      if (state != null && !STATES.includes(state)) throw new MeshError('BAD_REQUEST', `unknown state ${state} (one of ${STATES.join(', ')})`)
      return owner().list(state as TaskState | undefined).map(viewOf).map(({ history: _history, ...rest }) => rest)
    },
    stats: () => ({ ...owner().stats(), running: worker()?.runningCount() ?? 0, claimsSent: worker()?.claimsSent ?? 0 }),
    get: id => viewOf(find(id)),
    output: id => {
      const task = find(id)
      const output = owner().output(id)
      if (task.state !== 'succeeded' || output == null) throw new MeshError('CONFLICT', `task ${id} is ${task.state}; it has no result`)
      return output
    },
    cancel: id => owner().cancel(id),
    logs: id => ({ id, attempts: find(id).attemptLog ?? [] })
  }
}
