import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newTask, type Task, type TaskState } from '../../../src/tasks/lifecycle.js'
import { TaskStore } from '../../../src/tasks/store.js'
import type { TaskSpec } from '../../../src/tasks/spec.js'

const T0 = 1_700_000_000_000
const spec = (over: Partial<TaskSpec> = {}): TaskSpec => ({ kind: 'echo', input: new Uint8Array([1]), redundancy: 1, timeoutMs: 1000, maxAttempts: 3, priority: 0, deadline: T0 + 60_000, ...over })
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A batch of `n` tasks under `key`, their ids `${key}-${index}`. */
function batch (key: string, n: number, at = T0): Task[] {
  return Array.from({ length: n }, (_, i) => newTask(`${key}-${i}`, 'o', spec({ idempotencyKey: key, batchIndex: i, input: bytes(`in ${i}`) }), at))
}

function finish (store: TaskStore, task: Task, at: number, state: TaskState = 'succeeded', output?: Uint8Array, error?: string): void {
  store.save({ ...task, state, ...(error != null ? { error } : {}), history: [...task.history, { at, state, reason: error ?? state }] }, at, output)
}

describe('TaskStore batch queries (a real SQLite file)', () => {
  let dir: string
  let store: TaskStore
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'mesh-batch-')); store = new TaskStore(join(dir, 'mesh.db')) })
  afterEach(async () => { store.close(); await rm(dir, { recursive: true, force: true }) })

  it('what finished since a cursor: in finish order, then index; only before `before`; a page bounded by count and output bytes', () => {
    const tasks = batch('k', 6)
    store.insert([...tasks, ...batch('other', 2)])
    const [t0, t1, t2, t3, t4] = tasks as [Task, Task, Task, Task, Task]
    finish(store, t3, T0 + 10, 'succeeded', bytes('three'))
    finish(store, t1, T0 + 10, 'succeeded', bytes('one'))
    finish(store, t0, T0 + 20, 'failed', undefined, 'it broke')
    finish(store, t2, T0 + 30, 'cancelled')
    finish(store, t4, T0 + 40, 'succeeded', bytes('x'.repeat(100)))
    const start = { at: 0, index: -1 }
    const all = store.batches.finished('k', start, T0 + 40, 100, 1 << 20, 1 << 20)
    expect(all.map(r => [r.index, r.state, r.error])).toEqual([[1, 'succeeded', null], [3, 'succeeded', null], [0, 'failed', 'it broke'], [2, 'cancelled', 'cancelled']])
    expect(all[0]).toMatchObject({ id: 'k-1', finishedAt: T0 + 10, output: bytes('one'), outputSize: 3 })
    // Pages go on from the last row, ties at one finish time included.
    const first = store.batches.finished('k', start, T0 + 41, 1, 1 << 20, 1 << 20)
    expect(first.map(r => r.index)).toEqual([1])
    const after = { at: T0 + 10, index: 1 }
    expect(store.batches.finished('k', after, T0 + 41, 2, 1 << 20, 1 << 20).map(r => r.index)).toEqual([3, 0])
    // Output over the inline limit is left out (its size stays); a page stops once it holds maxBytes.
    const big = store.batches.finished('k', { at: T0 + 30, index: 2 }, T0 + 41, 10, 1 << 20, 50)
    expect(big).toEqual([expect.objectContaining({ index: 4, outputSize: 100 })])
    expect(big[0]?.output).toBeUndefined()
    expect(store.batches.finished('k', start, T0 + 41, 10, 4, 1 << 20).map(r => r.index)).toEqual([1, 3])
    expect(store.batches.progress('k')).toEqual({ total: 6, done: 5 })
    expect(store.batches.progress('none')).toEqual({ total: 0, done: 0 })
  })

  it('a batch by key: inputs in index order, counts by state, its unfinished tasks', () => {
    const tasks = batch('k', 4, T0 + 5)
    store.insert([...tasks].reverse())
    finish(store, tasks[1] as Task, T0 + 9)
    expect(store.batches.inputs('k').map(t => [t.id, t.kind, Buffer.from(t.input).toString(), t.inputRef])).toEqual([0, 1, 2, 3].map(i => [`k-${i}`, 'echo', `in ${i}`, null]))
    expect(store.batches.inputs('nope')).toEqual([])
    expect(store.batches.summary('k')).toEqual({ total: 4, counts: { pending: 3, succeeded: 1 }, kind: 'echo', createdAt: T0 + 5 })
    expect(store.batches.summary('nope')).toBeUndefined()
    expect(store.batches.unfinished('k', -1, 10)).toEqual([{ index: 0, id: 'k-0' }, { index: 2, id: 'k-2' }, { index: 3, id: 'k-3' }])
    expect(store.batches.unfinished('k', 0, 1)).toEqual([{ index: 2, id: 'k-2' }])
  })

  it('pages the task list: a batch in index order, everything else newest first, each row with the cursor that goes on from it', () => {
    store.insert(batch('k', 3, T0))
    store.insert([newTask('late', 'o', spec(), T0 + 5), newTask('later', 'o', spec(), T0 + 6)])
    const byKey = store.batches.list({ key: 'k', limit: 2 })
    expect(byKey.map(r => r.task.id)).toEqual(['k-0', 'k-1'])
    expect(store.batches.list({ key: 'k', after: byKey[1]?.cursor, limit: 2 }).map(r => r.task.id)).toEqual(['k-2'])
    const newest = store.batches.list({ limit: 3 })
    expect(newest.map(r => r.task.id)).toEqual(['later', 'late', 'k-2'])
    expect(store.batches.list({ after: newest[2]?.cursor, limit: 3 }).map(r => r.task.id)).toEqual(['k-1', 'k-0'])
    expect(store.batches.list({ state: 'succeeded', limit: 3 })).toEqual([])
  })
})
