import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Backlog } from '../../../src/tasks/backlog.js'
import { newTask, transition, type Task } from '../../../src/tasks/lifecycle.js'
import { TaskStore } from '../../../src/tasks/store.js'
import type { TaskSpec } from '../../../src/tasks/spec.js'

const T0 = 1_700_000_000_000
const spec = (over: Partial<TaskSpec> = {}): TaskSpec => ({ kind: 'echo', input: new Uint8Array([1]), redundancy: 1, timeoutMs: 1000, maxAttempts: 3, priority: 0, deadline: T0 + 60_000, ...over })
const settings = { leaseTtlMs: 5000, attemptGraceMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000, random: () => 0.5 }

describe('Backlog: pending tasks beyond the owner\'s window, in the store only (a real SQLite file)', () => {
  let dir: string
  let store: TaskStore
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-backlog-'))
    store = new TaskStore(join(dir, 'mesh.db'))
  })
  afterEach(async () => {
    store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const submit = (backlog: Backlog, tasks: Task[]): void => {
    store.insert(tasks)
    for (const task of tasks) backlog.park(task)
  }
  const tasks = (prefix: string, n: number, over: Partial<TaskSpec> = {}): Task[] =>
    Array.from({ length: n }, (_, i) => newTask(`${prefix}${String(i).padStart(4, '0')}`, 'owner', spec(over), T0))

  it('loads parked tasks highest priority first, then as submitted, skipping what the owner holds, and counts what is left by kind', () => {
    const held = new Set<string>()
    const backlog = new Backlog(store, id => held.has(id))
    submit(backlog, tasks('low', 5, { priority: 0 }))
    submit(backlog, tasks('high', 3, { priority: 5, kind: 'sha256', redundancy: 2 }))
    expect(backlog.size).toBe(8)
    expect(backlog.summary().get('sha256')).toMatchObject({ tasks: 3, open: 6, maxPriority: 5 })
    expect(backlog.openReplicas()).toBe(11)
    held.add('high0001')
    const first = backlog.load(3).map(t => t.id)
    expect(first).toEqual(['high0000', 'high0002', 'low0000'])
    expect(backlog.size).toBe(5)
    expect(backlog.load(10).map(t => t.id)).toEqual(['low0001', 'low0002', 'low0003', 'low0004'])
    // high0001 was "held" (counted out when the owner took it): nothing is left, and the counts say so.
    expect(backlog.load(10)).toEqual([])
    expect(backlog.size).toBe(0)
    expect(backlog.summary().size).toBe(0)
  })

  it('a task parked with a higher priority than where loading stands is loaded next, not after the rest', () => {
    const loaded = new Set<string>()
    const backlog = new Backlog(store, id => loaded.has(id))
    submit(backlog, tasks('a', 6))
    for (const task of backlog.load(2)) loaded.add(task.id)
    submit(backlog, tasks('urgent', 1, { priority: 9 }))
    submit(backlog, tasks('later', 1, { priority: 0 }))
    const next = backlog.load(2).map(t => t.id)
    expect(next).toEqual(['urgent0000', 'a0002'])
    expect(backlog.load(10).map(t => t.id)).toEqual(['a0003', 'a0004', 'a0005', 'later0000'])
  })

  it('reopened on the store, counts every pending task (an owner\'s restart) and loads them in order; tasks that left pending are not loaded', () => {
    const first = new Backlog(store, () => false)
    const all = tasks('t', 4)
    submit(first, all)
    const leased = transition(all[0] as Task, { type: 'claimed', worker: 'w', replica: 0 }, T0 + 1, settings).task
    store.save(leased, T0 + 1)
    const again = new Backlog(store, () => false)
    again.open()
    expect(again.size).toBe(3)
    expect(again.load(10).map(t => t.id)).toEqual(['t0001', 't0002', 't0003'])
  })

  it('takes a parked task out for the owner (a cancel), and those whose deadline passed', () => {
    const held = new Set<string>()
    const backlog = new Backlog(store, id => held.has(id))
    submit(backlog, tasks('soon', 2, { deadline: T0 + 10 }))
    submit(backlog, tasks('far', 2))
    expect(backlog.take('far0001')?.id).toBe('far0001')
    held.add('far0001')
    expect(backlog.take('far0001')).toBeUndefined()
    expect(backlog.size).toBe(3)
    expect(backlog.pastDeadline(T0 + 5, 10)).toEqual([])
    expect(backlog.pastDeadline(T0 + 10, 10).map(t => t.id).sort()).toEqual(['soon0000', 'soon0001'])
    expect(backlog.size).toBe(1)
  })
})
