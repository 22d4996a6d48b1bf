import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newTask, transition } from '../../../src/tasks/lifecycle.js'
import { BLOB_CHUNK_BYTES, SCHEMA_VERSION, TaskStore } from '../../../src/tasks/store.js'
import type { TaskSpec } from '../../../src/tasks/spec.js'

const T0 = 1_700_000_000_000
const spec = (over: Partial<TaskSpec> = {}): TaskSpec => ({ kind: 'sha256', input: new Uint8Array([1, 2, 3]), redundancy: 1, timeoutMs: 1000, maxAttempts: 3, priority: 0, deadline: T0 + 1000, ...over })
const settings = { leaseTtlMs: 5000, attemptGraceMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000, random: () => 0.5 }

describe('TaskStore (a real SQLite file)', () => {
  let dir: string
  let path: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'mesh-store-')); path = join(dir, 'mesh.db') })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('keeps tasks, their state and output across a reopen', () => {
    let store = new TaskStore(path)
    const task = newTask('t1', 'owner', spec(), T0)
    store.insert([task])
    const leased = transition(task, { type: 'claimed', worker: 'w', replica: 0 }, T0 + 1, settings).task
    store.save(leased, T0 + 1)
    store.close()

    store = new TaskStore(path)
    const back = store.get('t1')
    expect(back).toEqual(leased)
    expect(back?.spec.input).toEqual(new Uint8Array([1, 2, 3]))
    expect(store.unfinished().map(t => t.id)).toEqual(['t1'])
    const done = transition(leased, { type: 'resultReceived', worker: 'w', replica: 0, epoch: 1, outcome: 'succeeded', outputHash: 'h' }, T0 + 2, settings).task
    store.save(done, T0 + 2, new Uint8Array([9]))
    expect(store.output('t1')).toEqual(new Uint8Array([9]))
    expect(store.unfinished()).toEqual([])
    expect(store.list('succeeded').map(t => t.id)).toEqual(['t1'])
    expect(store.counts()).toEqual({ succeeded: 1 })
    store.close()
  })

  it('inserts a batch atomically and finds it again by idempotency key, in order', () => {
    const store = new TaskStore(path)
    const batch = [2, 0, 1].map(i => newTask(`t${i}`, 'o', spec({ idempotencyKey: 'job-1', batchIndex: i }), T0))
    store.insert(batch)
    store.insert([newTask('other', 'o', spec({ idempotencyKey: 'job-1#1', batchIndex: 0 }), T0)])
    expect(store.idsForKey('job-1')).toEqual(['t0', 't1', 't2'])
    expect(store.idsForKey('job')).toEqual([])
    expect(store.idsForKey('job-1#1')).toEqual(['other'])
    expect(() => { store.insert([newTask('dup', 'o', spec({ idempotencyKey: 'job-1', batchIndex: 1 }), T0)]) }).toThrow()
    expect(() => { store.insert([newTask('t9', 'o', spec(), T0), newTask('t0', 'o', spec(), T0)]) }).toThrow()
    expect(store.get('t9')).toBeUndefined()
    store.close()
  })

  it('prunes tasks finished before the retention horizon only', () => {
    const store = new TaskStore(path)
    const a = newTask('a', 'o', spec(), T0)
    const b = newTask('b', 'o', spec(), T0)
    store.insert([a, b])
    store.save(transition(a, { type: 'cancelled', reason: 'x' }, T0, settings).task, T0)
    expect(store.prune(T0 + 1)).toBe(1)
    expect(store.get('a')).toBeUndefined()
    expect(store.get('b')).toBeDefined()
    store.close()
  })

  it("keeps a worker's undelivered results until delivered", () => {
    const store = new TaskStore(path)
    store.putPendingResult({ taskId: 't', replica: 0, epoch: 2, owner: 'o', message: new Uint8Array([1]) }, T0)
    store.putPendingResult({ taskId: 'u', replica: 0, epoch: 1, owner: 'o', message: new Uint8Array([2]) }, T0 + 1)
    store.putPendingResult({ taskId: 'v', replica: 0, epoch: 1, owner: 'p', message: new Uint8Array([3]) }, T0 + 2)
    expect(store.pendingResults('o', 10)).toEqual([
      { taskId: 't', replica: 0, epoch: 2, owner: 'o', message: new Uint8Array([1]) },
      { taskId: 'u', replica: 0, epoch: 1, owner: 'o', message: new Uint8Array([2]) }
    ])
    expect(store.pendingResults('o', 1).map(r => r.taskId)).toEqual(['t'])
    expect(store.pendingResultOwners(10)).toEqual(['o', 'p'])
    store.deletePendingResult('t', 0, 2, 'someone else')
    expect(store.pendingResults('o', 10)).toHaveLength(2)
    store.deletePendingResult('t', 0, 2, 'o')
    store.deletePendingResult('u', 0, 1, 'o')
    expect(store.pendingResults('o', 10)).toEqual([])
    expect(store.pendingResultOwners(10)).toEqual(['p'])
    store.close()
  })

  it('shows a blob only to those it is for: outputs to their owner, never cached copies to peers, received outputs to nobody', () => {
    const store = new TaskStore(path)
    const bytes = (n: number): Uint8Array => new Uint8Array(300).fill(n)
    store.putBlob('out', 'output', bytes(1), T0, 'ownerA')
    store.putBlob('res', 'result', bytes(2), T0)
    store.putBlob('in', 'task', bytes(3), T0)
    store.putBlob('copy', 'cache', bytes(4), T0, 'ownerB')
    // Work for owner B may use only what B gave this node (or this node made for B): never A's
    // output, this node's own task blobs, B's copies for A, nor what it received as an owner.
    expect(store.blobFor('out', 'ownerB')).toBeUndefined()
    expect(store.blobFor('res', 'ownerB')).toBeUndefined()
    expect(store.blobFor('out', 'ownerA')).toEqual(bytes(1))
    expect(store.blobFor('in', 'ownerB')).toBeUndefined()
    expect(store.blobFor('copy', 'ownerB')).toEqual(bytes(4))
    expect(store.blobFor('copy', 'ownerA')).toBeUndefined()
    // Served to peers: task blobs and outputs for that peer only, a chunk at a time.
    expect(store.servableBlob('copy', 'ownerB')).toBeUndefined()
    expect(store.servableBlob('in', 'ownerB')).toMatchObject({ role: 'task' })
    expect(store.servableBlob('res', 'ownerB')).toBeUndefined()
    expect(store.servableBlob('out', 'ownerB')).toBeUndefined()
    const row = store.servableBlob('out', 'ownerA')
    expect(row).toMatchObject({ role: 'output', size: 300 })
    expect(store.blobChunk(row?.rowid ?? -1, 256, 256)).toEqual(new Uint8Array(44).fill(1))
    expect(store.pruneBlobs('output', T0 + 1, new Set(['out']))).toBe(0)
    expect(store.pruneBlobs('output', T0 + 1)).toBe(1)
    // An output of the same bytes as a task blob still reaches its owner.
    store.putBlob('in', 'output', bytes(3), T0, 'ownerB')
    expect(store.servableBlob('in', 'ownerB')).toMatchObject({ role: 'output' })
    store.close()
  })

  it('keeps the reputation table across a reopen', () => {
    const record = { score: -60, updatedAt: T0, firstSeen: T0, verified: 2, counts: { misreport: 1 }, secondHand: {}, bannedUntil: T0 + 3_600_000 }
    const store = new TaskStore(path)
    store.saveReputation([['peerA', record]])
    store.close()
    const again = new TaskStore(path)
    expect(again.loadReputation()).toEqual(new Map([['peerA', record]]))
    again.close()
  })

  it('keeps a blob in rows of a chunk each and reads any range from the rows it spans', () => {
    const store = new TaskStore(path)
    const data = new Uint8Array(2 * BLOB_CHUNK_BYTES + 100).map((_, i) => i % 251)
    store.putBlob('big', 'task', data, T0)
    store.putBlob('big', 'task', data, T0 + 5)
    const row = store.servableBlob('big', 'anyone')
    expect(row).toMatchObject({ role: 'task', size: data.byteLength })
    const rowid = row?.rowid ?? -1
    const raw = new Database(path, { readonly: true })
    expect(raw.prepare('SELECT seq, length(data) AS n FROM blob_chunks WHERE blob = ? ORDER BY seq').all(rowid)).toEqual([
      { seq: 0, n: BLOB_CHUNK_BYTES }, { seq: 1, n: BLOB_CHUNK_BYTES }, { seq: 2, n: 100 }
    ])
    raw.close()
    for (const [offset, length] of [[0, BLOB_CHUNK_BYTES], [BLOB_CHUNK_BYTES - 10, 20], [10, 2 * BLOB_CHUNK_BYTES + 50], [2 * BLOB_CHUNK_BYTES + 90, 100], [data.byteLength, 10]] as const) {
      expect(store.blobChunk(rowid, offset, length)).toEqual(data.slice(offset, offset + length))
    }
    expect(store.blob('big')).toEqual(data)
    expect(store.pruneBlobs('task', T0 + 10)).toBe(1)
    expect(store.blobChunk(rowid, 0, 10)).toEqual(new Uint8Array())
    const after = new Database(path, { readonly: true })
    expect(after.prepare('SELECT COUNT(*) FROM blob_chunks').pluck().get()).toBe(0)
    after.close()
    store.close()
  })

  it('moves the blobs of a schema-3 store into chunk rows, bytes intact', () => {
    const old = new Database(path)
    old.exec(`CREATE TABLE tasks (id TEXT PRIMARY KEY, state TEXT NOT NULL, kind TEXT NOT NULL, idempotency_key TEXT, batch_index INTEGER, created_at INTEGER NOT NULL, finished_at INTEGER, doc TEXT NOT NULL, input BLOB NOT NULL, output BLOB);
      CREATE TABLE blobs (hash TEXT NOT NULL, role TEXT NOT NULL, reader TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL, data BLOB NOT NULL, used_at INTEGER NOT NULL, PRIMARY KEY (hash, role, reader));
      CREATE INDEX blobs_used ON blobs(role, used_at);
      CREATE TABLE worker_results (task_id TEXT NOT NULL, replica INTEGER NOT NULL, epoch INTEGER NOT NULL, owner TEXT NOT NULL, message BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (task_id, replica, epoch));`)
    const big = new Uint8Array(BLOB_CHUNK_BYTES + 7).map((_, i) => i % 13)
    old.prepare('INSERT INTO blobs (hash, role, reader, size, data, used_at) VALUES (?, ?, ?, ?, ?, ?)').run('big', 'output', 'ownerA', big.byteLength, big, T0)
    old.prepare('INSERT INTO blobs (hash, role, reader, size, data, used_at) VALUES (?, ?, ?, ?, ?, ?)').run('small', 'task', '', 3, new Uint8Array([1, 2, 3]), T0)
    old.pragma('user_version = 3')
    old.close()
    const store = new TaskStore(path)
    expect(store.blobFor('big', 'ownerA')).toEqual(big)
    expect(store.blob('small')).toEqual(new Uint8Array([1, 2, 3]))
    const row = store.servableBlob('big', 'ownerA')
    expect(store.blobChunk(row?.rowid ?? -1, BLOB_CHUNK_BYTES, 10)).toEqual(big.slice(BLOB_CHUNK_BYTES))
    store.close()
  })

  it('migrates to the current schema, uses WAL, and refuses a store from a newer version', () => {
    new TaskStore(path).close()
    const raw = new Database(path)
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    expect(() => new TaskStore(path)).toThrow(/newer mesh-node/)
  })
})
