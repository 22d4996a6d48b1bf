import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newTask } from '../../../src/tasks/lifecycle.js'
import { TaskStore } from '../../../src/tasks/store.js'
import { resolveTaskId, shortId } from '../../../src/tasks/task-ids.js'
import type { TaskSpec } from '../../../src/tasks/spec.js'

const T0 = 1_700_000_000_000
const spec: TaskSpec = { kind: 'echo', input: new Uint8Array([1]), redundancy: 1, timeoutMs: 1000, maxAttempts: 3, priority: 0, deadline: T0 + 1000 }
const id = (head: string): string => head + 'a'.repeat(64 - head.length)

describe('task ids by unique prefix', () => {
  let dir: string
  let store: TaskStore
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-ids-'))
    store = new TaskStore(join(dir, 'mesh.db'))
    store.insert(['deadbeef0', 'deadbeef1', 'deadbeff', 'ffffffff', '12345678'].map(head => newTask(id(head), 'owner', spec, T0)))
  })
  afterEach(async () => {
    store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('finds the one id a prefix names, in either case; refuses a short prefix, lists an ambiguous one', () => {
    expect(resolveTaskId(store, 'deadbeef1')).toBe(id('deadbeef1'))
    expect(resolveTaskId(store, 'DEADBEFF')).toBe(id('deadbeff'))
    expect(resolveTaskId(store, 'ffffffff')).toBe(id('ffffffff'))
    expect(resolveTaskId(store, id('12345678'))).toBe(id('12345678'))
    expect(() => resolveTaskId(store, 'deadbee')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    expect(() => resolveTaskId(store, '00000000')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
    let caught: unknown
    try {
      resolveTaskId(store, 'deadbeef')
    } catch (err) {
      caught = err
    }
    expect(caught).toMatchObject({ code: 'AMBIGUOUS_ID', fields: { matches: [id('deadbeef0'), id('deadbeef1')] } })
    expect((caught as Error).message).toContain(id('deadbeef0'))
    // Not hex at all: an id that names no task, looked up as it is.
    expect(resolveTaskId(store, 'no-such-task')).toBe('no-such-task')
    expect(shortId(id('deadbeef1'))).toBe('deadbeef1aaa')
  })

  it('reads a range of the primary key index, not the table', () => {
    const plan = store.explainIdsWithPrefix().join(' ')
    expect(plan).toMatch(/SEARCH tasks USING (COVERING )?INDEX sqlite_autoindex_tasks_1 \(id>\? AND id<\?\)/)
    expect(plan).not.toMatch(/SCAN/)
  })
})
