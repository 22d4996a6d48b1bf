import { describe, expect, it } from 'vitest'
import { Dispatcher } from '../../../src/tasks/dispatcher.js'
import { newTask, type Task } from '../../../src/tasks/lifecycle.js'
import type { TaskSpec } from '../../../src/tasks/spec.js'

const spec = (over: Partial<TaskSpec> = {}): TaskSpec => ({
  kind: 'echo', input: new Uint8Array(), redundancy: 1, timeoutMs: 1000, maxAttempts: 3, priority: 0, deadline: Number.MAX_SAFE_INTEGER, slots: 1, memoryBytes: 0, ...over
})

/** A dispatcher over an in-memory owner: grants lease the replica to the worker, as the owner's transition does. */
function underTest (allowance: (worker: string, granted: number) => number = () => Infinity): { dispatcher: Dispatcher, tasks: Map<string, Task>, grants: Array<{ task: string, worker: string }>, add: (id: string, over?: Partial<TaskSpec>) => void } {
  const tasks = new Map<string, Task>()
  const grants: Array<{ task: string, worker: string }> = []
  const dispatcher = new Dispatcher({
    allowance: worker => allowance(worker, grants.filter(g => g.worker === worker).length),
    grant: (task, replica, worker) => {
      const next: Task = { ...task, replicas: task.replicas.map(r => r.index === replica ? { ...r, status: 'leased', epoch: r.epoch + 1, lease: { holder: worker, epoch: r.epoch + 1, expiresAt: 1e15 } } : r) }
      tasks.set(task.id, next)
      dispatcher.track(next)
      grants.push({ task: task.id, worker })
      return true
    },
    now: () => 0
  })
  const add = (id: string, over?: Partial<TaskSpec>): void => {
    const task = newTask(id, 'owner', spec(over), 0)
    tasks.set(id, task)
    dispatcher.track(task)
  }
  return { dispatcher, tasks, grants, add }
}

describe('Dispatcher (the owner\'s side of pulling)', () => {
  it('a pull for work not open yet stands as one request, granted as soon as work opens, round-robin across the workers that asked', () => {
    const { dispatcher, grants, add } = underTest()
    // Nothing open: one request stands (the rest would hold the worker's slots for nothing).
    expect(dispatcher.pull('w1', { count: 4, kinds: ['echo'], slots: 1, memoryBytes: 0 })).toBe(1)
    expect(dispatcher.pull('w2', { count: 4, kinds: ['echo'], slots: 1, memoryBytes: 0 })).toBe(1)
    for (let i = 0; i < 4; i++) add(`t${i}`)
    dispatcher.dispatch()
    const per = (w: string): number => grants.filter(g => g.worker === w).length
    expect(per('w1')).toBe(1)
    expect(per('w2')).toBe(1)
    expect(dispatcher.held('w1') + dispatcher.held('w2')).toBe(0)
    // Their next pulls take the rest, one each in turn.
    dispatcher.pull('w1', { count: 3, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    dispatcher.pull('w2', { count: 3, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    expect(per('w1') + per('w2')).toBe(4)
    expect(dispatcher.claimsReceived).toBe(14)
  })

  it('a worker that can take none of the open replicas (another replica of the same task is its) keeps one standing request, not its slots', () => {
    const { dispatcher, grants, add } = underTest()
    add('r3', { redundancy: 3 })
    expect(dispatcher.pull('w1', { count: 3, kinds: ['echo'], slots: 1, memoryBytes: 0 })).toBe(1)
    expect(grants.map(g => [g.task, g.worker])).toEqual([['r3', 'w1']])
    // Two replicas stay open for other workers.
    expect(dispatcher.summary(0).get('echo')?.open).toBe(2)
  })

  it('grants at once what is open, highest priority first, only kinds and sizes the worker takes', () => {
    const { dispatcher, grants, add } = underTest()
    add('low', { priority: 1 })
    add('high', { priority: 9 })
    add('other-kind', { kind: 'sha256', priority: 100 })
    add('too-big', { slots: 4, priority: 100 })
    expect(dispatcher.pull('w1', { count: 3, kinds: ['echo'], slots: 2, memoryBytes: 0 })).toBe(1)
    expect(grants.map(g => g.task)).toEqual(['high', 'low'])
    expect(dispatcher.unclaimed()).toBe(2 - 1)
  })

  it('replicas of one task go to distinct workers', () => {
    const { dispatcher, grants, add } = underTest()
    add('r3', { redundancy: 3 })
    dispatcher.pull('w1', { count: 3, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    expect(grants).toHaveLength(1)
    dispatcher.pull('w2', { count: 3, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    dispatcher.pull('w3', { count: 3, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    expect(grants.map(g => g.worker)).toEqual(['w1', 'w2', 'w3'])
  })

  it('the owner\'s allowance caps what a worker gets (probation budget); the rest stands; withdrawing drops it', () => {
    const { dispatcher, grants, add } = underTest((_worker, granted) => 2 - granted)
    for (let i = 0; i < 5; i++) add(`t${i}`)
    // Two granted; of the three left one stands (the budget, not a slot, is what is short).
    expect(dispatcher.pull('w1', { count: 5, kinds: ['echo'], slots: 1, memoryBytes: 0 })).toBe(1)
    expect(grants).toHaveLength(2)
    expect(dispatcher.pull('w1', { count: 0, kinds: [], slots: 0, memoryBytes: 0 })).toBe(0)
    expect(dispatcher.requests()).toEqual([])
  })

  it('a replica that checks a result goes before new tasks of the same priority (not behind the whole queue), and the window counts new tasks only', () => {
    const { dispatcher, tasks, grants, add } = underTest()
    for (let i = 0; i < 5; i++) add(`new${i}`)
    add('checked')
    // The owner opened a check of "checked": the task is verifying with one open replica.
    const base = tasks.get('checked') as Task
    const verifying: Task = { ...base, state: 'verifying', replicas: [{ ...(base.replicas[0] as Task['replicas'][number]), status: 'done', doneBy: 'w0' }, { ...(base.replicas[0] as Task['replicas'][number]), index: 1, verification: true }] }
    tasks.set('checked', verifying)
    dispatcher.track(verifying)
    expect(dispatcher.readyCount()).toBe(5)
    dispatcher.pull('w1', { count: 2, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    expect(grants.map(g => g.task)).toEqual(['checked', 'new0'])
    expect(dispatcher.readyCount()).toBe(4)
    // A higher priority still goes first.
    add('urgent', { priority: 1 })
    dispatcher.pull('w1', { count: 1, kinds: ['echo'], slots: 1, memoryBytes: 0 })
    expect(grants.at(-1)?.task).toBe('urgent')
  })
})
