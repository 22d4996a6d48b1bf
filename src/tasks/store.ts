import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { LIMITS } from '../gossip/wire/limits.js'
import { LeaseMessage } from '../gossip/wire/mesh.js'
import { BatchQueries } from './batch-queries.js'
import { WalSync } from './wal-sync.js'
import type { Task, TaskState } from './lifecycle.js'
import type { PeerRecord } from '../reputation/table.js'
import type { TaskSpec } from './spec.js'

/**
 * The node's embedded store: SQLite (better-sqlite3, WAL) in the data dir. The owner writes a
 * task, each lease and each result here before it announces or acknowledges anything, so a
 * node killed at any moment resumes from what it said. A task's state (replicas, leases,
 * attempts, history) is one JSON document keyed by id, with the columns queries need beside it.
 */

/** Blobs are stored in rows of this many bytes: one chunk of a blob transfer reads one or two rows. */
export const BLOB_CHUNK_BYTES = LIMITS.blobChunkBytes

/**
 * Each entry upgrades the schema by one version (PRAGMA user_version): SQL, or a function for a
 * step SQL alone would make slow. Never edit a shipped one.
 */
const MIGRATIONS: Array<string | ((db: Database.Database) => void)> = [
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     kind TEXT NOT NULL,
     idempotency_key TEXT,
     batch_index INTEGER,
     created_at INTEGER NOT NULL,
     finished_at INTEGER,
     doc TEXT NOT NULL,
     input BLOB NOT NULL,
     output BLOB
   );
   CREATE UNIQUE INDEX tasks_key ON tasks(idempotency_key, batch_index);
   CREATE INDEX tasks_state ON tasks(state);
   CREATE INDEX tasks_finished ON tasks(finished_at);
   CREATE TABLE worker_results (
     task_id TEXT NOT NULL,
     replica INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     owner TEXT NOT NULL,
     message BLOB NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (task_id, replica, epoch)
   );`,
  // Blobs by content hash: an owner's large inputs and wasm modules (role 'task', reader '': any
  // peer may fetch them), a worker's large outputs (role 'output', reader: the task's owner only),
  // a worker's copies of what it fetched (role 'cache') and an owner's copies of replica outputs
  // until the task is decided (role 'result'); the last two are served to no one.
  `CREATE TABLE blobs (
     hash TEXT NOT NULL,
     role TEXT NOT NULL,
     reader TEXT NOT NULL DEFAULT '',
     size INTEGER NOT NULL,
     data BLOB NOT NULL,
     used_at INTEGER NOT NULL,
     PRIMARY KEY (hash, role, reader)
   );
   CREATE INDEX blobs_used ON blobs(role, used_at);`,
  // This node's reputation table: one JSON record per peer (src/reputation/table.ts).
  `CREATE TABLE reputation (
     peer TEXT PRIMARY KEY,
     record TEXT NOT NULL
   );`,
  // A blob's bytes move to rows of BLOB_CHUNK_BYTES: SQLite reads a BLOB value whole (substr
  // included), and better-sqlite3 has no incremental blob I/O, so a 256 KiB chunk of a 64 MiB
  // blob cost a read of all 64 MiB. Existing blobs are split one at a time (each read once).
  (db) => {
    db.exec(`CREATE TABLE blob_chunks (
       blob INTEGER NOT NULL,
       seq INTEGER NOT NULL,
       data BLOB NOT NULL,
       PRIMARY KEY (blob, seq)
     );
     CREATE TRIGGER blobs_chunks_delete AFTER DELETE ON blobs BEGIN
       DELETE FROM blob_chunks WHERE blob = old.rowid;
     END;`)
    const rowids = db.prepare('SELECT rowid FROM blobs').pluck().all() as number[]
    const read = db.prepare('SELECT data FROM blobs WHERE rowid = ?').pluck()
    const insert = db.prepare('INSERT INTO blob_chunks (blob, seq, data) VALUES (?, ?, ?)')
    for (const rowid of rowids) {
      const data = read.get(rowid) as Buffer
      for (let seq = 0; seq * BLOB_CHUNK_BYTES < data.byteLength; seq++) insert.run(rowid, seq, data.subarray(seq * BLOB_CHUNK_BYTES, (seq + 1) * BLOB_CHUNK_BYTES))
    }
    db.exec('ALTER TABLE blobs DROP COLUMN data')
  },
  // Each undelivered result names the output blob it keeps (quotas drop the two together).
  (db) => {
    db.exec(`ALTER TABLE worker_results ADD COLUMN output_hash TEXT NOT NULL DEFAULT '';
      CREATE INDEX worker_results_owner ON worker_results(owner, created_at);`)
    const rows = db.prepare('SELECT rowid, message FROM worker_results').all() as Array<{ rowid: number, message: Buffer }>
    const update = db.prepare('UPDATE worker_results SET output_hash = ? WHERE rowid = ?')
    for (const row of rows) {
      const result = LeaseMessage.decode(row.message).result
      if (result != null && result.output.byteLength === 0 && result.outputSize > 0 && result.signed != null) update.run(Buffer.from(result.signed.outputHash).toString('hex'), row.rowid)
    }
  },
  // Batches: "what finished since" reads only what it returns (not every task of the batch),
  // and the newest-first task list pages without sorting the table.
  `CREATE INDEX tasks_key_finished ON tasks(idempotency_key, finished_at, batch_index);
   CREATE INDEX tasks_created ON tasks(created_at);`,
  // The owner's backlog (backlog.ts): pending tasks it has not loaded are read from here in
  // order (priority high to low, then as submitted), and past their deadline, through two small
  // indexes of the pending rows only.
  `ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tasks ADD COLUMN deadline INTEGER NOT NULL DEFAULT 0;
   UPDATE tasks SET priority = coalesce(json_extract(doc, '$.spec.priority'), 0), deadline = coalesce(json_extract(doc, '$.spec.deadline'), 0);
   CREATE INDEX tasks_backlog ON tasks(priority DESC) WHERE state = 'pending';
   CREATE INDEX tasks_backlog_deadline ON tasks(deadline) WHERE state = 'pending';`
]

export const SCHEMA_VERSION = MIGRATIONS.length

type StoredSpec = Omit<TaskSpec, 'input'>
type StoredTask = Omit<Task, 'spec'> & { spec: StoredSpec }

export interface PendingResult {
  taskId: string
  replica: number
  epoch: number
  owner: string
  /** The encoded lease message to deliver. */
  message: Uint8Array
  /** The output blob (hex hash) kept for the owner to fetch, when the output is not inline. */
  outputHash?: string
}

/**
 * Why a node holds a blob: it decides who may fetch it and when it goes. Rows of role 'cache'
 * name as reader the owner they were fetched from: only that owner's tasks use them.
 */
export type BlobRole = 'task' | 'output' | 'cache' | 'result'

const TERMINAL_STATES = ['succeeded', 'failed', 'cancelled']

/** A position in the backlog's order: after the row `rowid` of priority `priority`. */
export interface BacklogCursor {
  priority: number
  rowid: number
}

export class TaskStore {
  private readonly db: Database.Database
  /** Prepared statements by their SQL: preparing costs more than running a small one. */
  private readonly statements = new Map<string, Database.Statement>()
  /** Batches (by idempotency key) and pages of the task list. */
  readonly batches: BatchQueries
  private readonly wal: WalSync

  constructor (path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    // A commit is in the OS at once (it survives the process being killed); `durable()` waits
    // until it would survive a power cut too, flushing on the thread pool (wal-sync.ts).
    this.db.pragma('synchronous = NORMAL')
    // 8 MiB of page cache (SQLite's default is 2): a busy owner updates each task twice within
    // seconds, and with 2 MiB its rows and index pages were read back from the OS between the two
    // (~5 % of the throughput bench's CPU per task). Filled only as pages are used: an idle node
    // does not pay it.
    this.db.pragma('cache_size = -8192')
    this.wal = new WalSync(path === ':memory:' || path === '' ? null : path)
    this.db.pragma('foreign_keys = ON')
    this.migrate()
    this.batches = new BatchQueries(this.db, (doc, input) => this.decode(doc, input))
  }

  private migrate (): void {
    const current = this.db.pragma('user_version', { simple: true }) as number
    if (current > SCHEMA_VERSION) throw new Error(`the store was written by a newer mesh-node (schema ${current}, this one knows ${SCHEMA_VERSION})`)
    for (let version = current; version < SCHEMA_VERSION; version++) {
      const migration = MIGRATIONS[version] as string | ((db: Database.Database) => void)
      this.db.transaction(() => {
        if (typeof migration === 'string') this.db.exec(migration)
        else migration(this.db)
        this.db.pragma(`user_version = ${version + 1}`)
      })()
    }
  }

  /** The prepared statement for `sql`, prepared once. (A statement used with pluck() is always used so.) */
  private sql (sql: string): Database.Statement {
    let statement = this.statements.get(sql)
    if (statement == null) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  close (): void {
    this.wal.close()
    if (this.db.open) this.db.close()
  }

  /**
   * Resolves once everything committed before the call is on the device (survives a power cut).
   * Whoever tells a peer or a client about a change waits for this first; the flush runs on the
   * thread pool, so the node keeps working meanwhile.
   */
  async durable (): Promise<void> {
    await this.wal.durable()
  }

  /** Calls `fn` when the WAL flush under way ends (true), or not at all if none runs (false): see WalSync.afterFlush. */
  afterFlush (fn: () => void): boolean {
    return this.wal.afterFlush(fn)
  }

  /** Inserts new tasks in one transaction: all are on disk, or none. */
  insert (tasks: Task[]): void {
    const stmt = this.sql('INSERT INTO tasks (id, state, kind, idempotency_key, batch_index, created_at, doc, input, priority, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    this.db.transaction(() => {
      for (const task of tasks) {
        const key = task.spec.idempotencyKey
        stmt.run(task.id, task.state, task.spec.kind, key ?? null, key == null ? null : task.spec.batchIndex ?? 0, task.createdAt, this.encode(task), task.spec.input, task.spec.priority, task.spec.deadline)
      }
    })()
  }

  /** Saves a task's new state; an output is stored with the transition that accepted it. */
  save (task: Task, now: number, output?: Uint8Array): void {
    const finishedAt = TERMINAL_STATES.includes(task.state) ? now : null
    if (output != null) {
      this.sql('UPDATE tasks SET state = ?, doc = ?, finished_at = ?, output = ? WHERE id = ?').run(task.state, this.encode(task), finishedAt, output, task.id)
    } else {
      this.sql('UPDATE tasks SET state = ?, doc = ?, finished_at = ? WHERE id = ?').run(task.state, this.encode(task), finishedAt, task.id)
    }
  }

  get (id: string): Task | undefined {
    const row = this.sql('SELECT doc, input FROM tasks WHERE id = ?').get(id) as { doc: string, input: Buffer } | undefined
    return row == null ? undefined : this.decode(row.doc, row.input)
  }

  /**
   * Ids that start with `prefix` (lowercase hex), in order, at most `limit`. Ids are lowercase
   * hex, and every one that starts with the prefix sorts from it up to the prefix followed by
   * "g" (after "f"): one range of the primary key's index, whatever the size of the table.
   */
  idsWithPrefix (prefix: string, limit: number): string[] {
    return this.sql('SELECT id FROM tasks WHERE id >= ? AND id < ? ORDER BY id LIMIT ?').pluck().all(prefix, `${prefix}g`, limit) as string[]
  }

  /** The plan SQLite makes for idsWithPrefix (tests check it reads a range of the index). */
  explainIdsWithPrefix (): string[] {
    return this.db.prepare('EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE id >= ? AND id < ? ORDER BY id LIMIT ?').all('00000000', '00000000g', 2).map(row => String((row as { detail: string }).detail))
  }

  /** Ids of the tasks submitted with an idempotency key; a key covers a whole batch, in order. */
  idsForKey (key: string): string[] {
    const rows = this.sql('SELECT id FROM tasks WHERE idempotency_key = ? ORDER BY batch_index').all(key) as Array<{ id: string }>
    return rows.map(r => r.id)
  }

  output (id: string): Uint8Array | undefined {
    const row = this.sql('SELECT output FROM tasks WHERE id = ?').get(id) as { output: Buffer | null } | undefined
    return row?.output == null ? undefined : new Uint8Array(row.output)
  }

  list (state?: TaskState, limit = 1000): Task[] {
    const rows = (state == null
      ? this.sql('SELECT doc, input FROM tasks ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit)
      : this.sql('SELECT doc, input FROM tasks WHERE state = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(state, limit)) as Array<{ doc: string, input: Buffer }>
    return rows.map(r => this.decode(r.doc, r.input))
  }

  /** Every task not finished: what an owner resumes after a restart. */
  unfinished (): Task[] {
    const rows = this.sql(`SELECT doc, input FROM tasks WHERE state NOT IN (${TERMINAL_STATES.map(() => '?').join(',')}) ORDER BY created_at, rowid`).all(...TERMINAL_STATES) as Array<{ doc: string, input: Buffer }>
    return rows.map(r => this.decode(r.doc, r.input))
  }

  /** Unfinished tasks that are not pending (a live lease, or replicas checking a result): what a restarted owner loads at once. */
  active (): Task[] {
    const rows = this.sql("SELECT doc, input FROM tasks WHERE state IN ('leased', 'verifying') ORDER BY created_at, rowid").all() as Array<{ doc: string, input: Buffer }>
    return rows.map(r => this.decode(r.doc, r.input))
  }

  /** Pending tasks in the backlog's order (priority high to low, then as inserted), after `after`, at most `limit`. */
  pendingAfter (after: BacklogCursor | null, limit: number): Array<{ task: Task, cursor: BacklogCursor }> {
    type Row = { rowid: number, priority: number, doc: string, input: Buffer }
    // Two index ranges (the rest of this priority, then the lower ones), each read in index order.
    // INDEXED BY: without statistics SQLite would pick the state index and sort every pending row.
    const rows = after == null
      ? this.sql("SELECT rowid, priority, doc, input FROM tasks INDEXED BY tasks_backlog WHERE state = 'pending' ORDER BY priority DESC, rowid LIMIT ?").all(limit) as Row[]
      : this.sql("SELECT rowid, priority, doc, input FROM tasks INDEXED BY tasks_backlog WHERE state = 'pending' AND priority = ? AND rowid > ? ORDER BY rowid LIMIT ?").all(after.priority, after.rowid, limit) as Row[]
    if (after != null && rows.length < limit) {
      rows.push(...this.sql("SELECT rowid, priority, doc, input FROM tasks INDEXED BY tasks_backlog WHERE state = 'pending' AND priority < ? ORDER BY priority DESC, rowid LIMIT ?").all(after.priority, limit - rows.length) as Row[])
    }
    return rows.map(r => ({ task: this.decode(r.doc, r.input), cursor: { priority: r.priority, rowid: r.rowid } }))
  }

  /** Pending tasks with a replica done (an output kept for comparison): loaded at an owner's start with the active ones, never parked. */
  pendingWithResults (): Task[] {
    const rows = this.sql(`SELECT doc, input FROM tasks WHERE state = 'pending'
      AND EXISTS (SELECT 1 FROM json_each(doc, '$.replicas') WHERE json_extract(value, '$.outputHash') IS NOT NULL) ORDER BY created_at, rowid`).all() as Array<{ doc: string, input: Buffer }>
    return rows.map(r => this.decode(r.doc, r.input))
  }

  /** Hashes of the blobs pending tasks need (a large input, a wasm module): kept by pruning whether or not the owner has the task loaded. */
  pendingBlobRefs (): string[] {
    return this.sql(`SELECT DISTINCT h FROM (
      SELECT json_extract(doc, '$.spec.inputRef.hash') AS h FROM tasks WHERE state = 'pending'
      UNION SELECT json_extract(doc, '$.spec.module.hash') AS h FROM tasks WHERE state = 'pending') WHERE h IS NOT NULL`).pluck().all() as string[]
  }

  /** Ids of pending tasks whose deadline is at or before `now`, at most `limit`. */
  pendingPastDeadline (now: number, limit: number): string[] {
    return this.sql("SELECT id FROM tasks INDEXED BY tasks_backlog_deadline WHERE state = 'pending' AND deadline <= ? LIMIT ?").pluck().all(now, limit) as string[]
  }

  /**
   * Pending tasks by kind: how many, their replicas (the redundancy asked; a task some of whose
   * replicas are done counts them all), the highest priority, and the most slots and memory one
   * needs. Read once, when an owner starts: a scan of the pending rows.
   */
  pendingByKind (): Array<{ kind: string, tasks: number, replicas: number, maxPriority: number, slots: number, memoryBytes: number }> {
    return this.sql(`SELECT kind, COUNT(*) AS tasks, SUM(coalesce(json_extract(doc, '$.spec.redundancy'), 1)) AS replicas, MAX(priority) AS maxPriority,
      MAX(coalesce(json_extract(doc, '$.spec.slots'), 1)) AS slots, MAX(coalesce(json_extract(doc, '$.spec.memoryBytes'), 0)) AS memoryBytes
      FROM tasks WHERE state = 'pending' GROUP BY kind`).all() as Array<{ kind: string, tasks: number, replicas: number, maxPriority: number, slots: number, memoryBytes: number }>
  }

  counts (): Record<string, number> {
    const rows = this.sql('SELECT state, COUNT(*) AS n FROM tasks GROUP BY state').all() as Array<{ state: string, n: number }>
    return Object.fromEntries(rows.map(r => [r.state, r.n]))
  }

  /** Deletes tasks finished before `before`; returns how many. */
  prune (before: number): number {
    return this.sql('DELETE FROM tasks WHERE finished_at IS NOT NULL AND finished_at < ?').run(before).changes
  }

  putPendingResult (result: PendingResult, now: number): void {
    this.sql('INSERT OR REPLACE INTO worker_results (task_id, replica, epoch, owner, message, created_at, output_hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(result.taskId, result.replica, result.epoch, result.owner, result.message, now, result.outputHash ?? '')
  }

  /** Undelivered results for one owner, oldest first, at most `limit` (by the owner index: the cost follows what is read). */
  pendingResults (owner: string, limit: number): PendingResult[] {
    const rows = this.sql('SELECT task_id, replica, epoch, owner, message FROM worker_results WHERE owner = ? ORDER BY created_at LIMIT ?').all(owner, limit) as Array<{ task_id: string, replica: number, epoch: number, owner: string, message: Buffer }>
    return rows.map(r => ({ taskId: r.task_id, replica: r.replica, epoch: r.epoch, owner: r.owner, message: new Uint8Array(r.message) }))
  }

  /** Hashes of the outputs undelivered results name (the outputs kept for their owners). */
  undeliveredOutputs (): Set<string> {
    const rows = this.sql("SELECT DISTINCT output_hash FROM worker_results WHERE output_hash != ''").all() as Array<{ output_hash: string }>
    return new Set(rows.map(r => r.output_hash))
  }

  /** Owners this worker holds undelivered results for, those waiting longest first. */
  pendingResultOwners (limit: number): string[] {
    const rows = this.sql('SELECT owner FROM worker_results GROUP BY owner ORDER BY MIN(created_at) LIMIT ?').all(limit) as Array<{ owner: string }>
    return rows.map(r => r.owner)
  }

  /** Only the task's owner can make a worker drop a result it holds for it. True if there was one. */
  deletePendingResult (taskId: string, replica: number, epoch: number, owner: string): boolean {
    return this.sql('DELETE FROM worker_results WHERE task_id = ? AND replica = ? AND epoch = ? AND owner = ?').run(taskId, replica, epoch, owner).changes > 0
  }

  /** Drops results no owner took within `before` (the owner is gone for good). */
  prunePendingResults (before: number): number {
    return this.sql('DELETE FROM worker_results WHERE created_at < ?').run(before).changes
  }

  /** Bytes held for each owner: its undelivered results (their messages) and the outputs kept for it. */
  undeliveredUsage (): Map<string, number> {
    const usage = new Map<string, number>()
    const add = (rows: Array<{ peer: string, bytes: number }>): void => { for (const r of rows) usage.set(r.peer, (usage.get(r.peer) ?? 0) + r.bytes) }
    add(this.sql('SELECT owner AS peer, SUM(length(message)) AS bytes FROM worker_results GROUP BY owner').all() as Array<{ peer: string, bytes: number }>)
    add(this.sql(`SELECT reader AS peer, SUM(size) AS bytes FROM blobs WHERE role = 'output' GROUP BY reader`).all() as Array<{ peer: string, bytes: number }>)
    return usage
  }

  /** Bytes of cached copies fetched from each peer. */
  cacheUsage (): Map<string, number> {
    const rows = this.sql(`SELECT reader AS peer, SUM(size) AS bytes FROM blobs WHERE role = 'cache' GROUP BY reader`).all() as Array<{ peer: string, bytes: number }>
    return new Map(rows.map(r => [r.peer, r.bytes]))
  }

  /**
   * Drops the least valuable thing held for `owner`: an output no undelivered result names (it
   * was delivered), else its oldest undelivered result, with its output unless another result of
   * that owner names it. Returns the bytes freed and whether an undelivered result went, or
   * undefined when nothing is held for `owner`.
   */
  evictUndelivered (owner: string): { bytes: number, undelivered: boolean } | undefined {
    return this.transaction(() => {
      const delivered = this.sql(`SELECT hash, size FROM blobs WHERE role = 'output' AND reader = ?
        AND hash NOT IN (SELECT output_hash FROM worker_results WHERE owner = ?) ORDER BY used_at LIMIT 1`).get(owner, owner) as { hash: string, size: number } | undefined
      if (delivered != null) {
        this.sql(`DELETE FROM blobs WHERE hash = ? AND role = 'output' AND reader = ?`).run(delivered.hash, owner)
        return { bytes: delivered.size, undelivered: false }
      }
      const oldest = this.sql('SELECT rowid, output_hash AS outputHash, length(message) AS bytes FROM worker_results WHERE owner = ? ORDER BY created_at, rowid LIMIT 1')
        .get(owner) as { rowid: number, outputHash: string, bytes: number } | undefined
      if (oldest == null) return undefined
      this.sql('DELETE FROM worker_results WHERE rowid = ?').run(oldest.rowid)
      let bytes = oldest.bytes
      if (oldest.outputHash !== '' && this.sql('SELECT 1 FROM worker_results WHERE owner = ? AND output_hash = ?').get(owner, oldest.outputHash) == null) {
        const output = this.sql(`SELECT size FROM blobs WHERE hash = ? AND role = 'output' AND reader = ?`).pluck().get(oldest.outputHash, owner) as number | undefined
        this.sql(`DELETE FROM blobs WHERE hash = ? AND role = 'output' AND reader = ?`).run(oldest.outputHash, owner)
        bytes += output ?? 0
      }
      return { bytes, undelivered: true }
    })
  }

  /** Drops the least recently used copy fetched from `peer`; returns its size, or undefined if there is none. */
  evictCache (peer: string): number | undefined {
    const row = this.sql(`SELECT hash, size FROM blobs WHERE role = 'cache' AND reader = ? ORDER BY used_at LIMIT 1`).get(peer) as { hash: string, size: number } | undefined
    if (row == null) return undefined
    this.sql(`DELETE FROM blobs WHERE hash = ? AND role = 'cache' AND reader = ?`).run(row.hash, peer)
    return row.size
  }

  /**
   * Stores a blob (again: only its last-used time moves), in rows of BLOB_CHUNK_BYTES. `reader`
   * limits who may fetch it ('' = anyone).
   */
  putBlob (hash: string, role: BlobRole, data: Uint8Array, now: number, reader = ''): void {
    this.db.transaction(() => {
      const touched = this.sql('UPDATE blobs SET used_at = ? WHERE hash = ? AND role = ? AND reader = ?').run(now, hash, role, reader)
      if (touched.changes > 0) return
      const { lastInsertRowid } = this.sql('INSERT INTO blobs (hash, role, reader, size, used_at) VALUES (?, ?, ?, ?, ?)').run(hash, role, reader, data.byteLength, now)
      const insert = this.sql('INSERT INTO blob_chunks (blob, seq, data) VALUES (?, ?, ?)')
      for (let seq = 0; seq * BLOB_CHUNK_BYTES < data.byteLength; seq++) insert.run(lastInsertRowid, seq, data.subarray(seq * BLOB_CHUNK_BYTES, (seq + 1) * BLOB_CHUNK_BYTES))
    })()
  }

  /**
   * A blob whose bytes arrive in pieces (an upload through the API), written row by row as they
   * come, never whole in memory. `append` takes exactly BLOB_CHUNK_BYTES but for the last piece;
   * `finish` names the blob by its hash (an existing copy wins), `abort` drops what was written.
   * A row left by a crash mid-upload is a task blob no task needs, so pruning removes it.
   */
  blobWriter (role: BlobRole, now: number): { append: (bytes: Uint8Array) => void, finish: (hash: string) => void, abort: () => void } {
    const { lastInsertRowid: rowid } = this.sql('INSERT INTO blobs (hash, role, reader, size, used_at) VALUES (?, ?, \'\', 0, ?)').run(`upload:${randomBytes(16).toString('hex')}`, role, now)
    const insert = this.sql('INSERT INTO blob_chunks (blob, seq, data) VALUES (?, ?, ?)')
    let seq = 0
    let size = 0
    const abort = (): void => { this.sql('DELETE FROM blobs WHERE rowid = ?').run(rowid) }
    return {
      append: bytes => { insert.run(rowid, seq++, bytes); size += bytes.byteLength },
      abort,
      finish: hash => {
        this.db.transaction(() => {
          if (this.sql('UPDATE blobs SET used_at = ? WHERE hash = ? AND role = ? AND reader = \'\'').run(now, hash, role).changes > 0) abort()
          else this.sql('UPDATE blobs SET hash = ?, size = ? WHERE rowid = ?').run(hash, size, rowid)
        })()
      }
    }
  }

  /** A blob this node holds in any role, for its own use. */
  blob (hash: string): Uint8Array | undefined {
    const rowid = this.sql('SELECT rowid FROM blobs WHERE hash = ? LIMIT 1').pluck().get(hash) as number | undefined
    return rowid == null ? undefined : this.blobBytes(rowid)
  }

  /**
   * A blob this node's work for `peer` may use: only bytes that peer gave it (a copy it fetched
   * from that peer) or an output this node made for that peer. Input hashes are public, so a
   * hash alone proves nothing: never another owner's copy, this node's own task blobs, nor the
   * outputs it received as an owner.
   */
  blobFor (hash: string, peer: string): Uint8Array | undefined {
    const rowid = this.sql(`SELECT rowid FROM blobs WHERE hash = ? AND role IN ('cache', 'output') AND reader = ? LIMIT 1`).pluck().get(hash, peer) as number | undefined
    return rowid == null ? undefined : this.blobBytes(rowid)
  }

  /**
   * Where to read a blob this node serves to `peer`: an output held for that peer, else this
   * node's own task blob (the caller checks the peer's lease). Never a cached copy.
   */
  servableBlob (hash: string, peer: string): { rowid: number, role: BlobRole, size: number } | undefined {
    return this.sql(`SELECT rowid, role, size FROM blobs WHERE hash = ? AND ((role = 'task' AND reader = '') OR (role = 'output' AND reader = ?))
      ORDER BY role = 'output' DESC LIMIT 1`).get(hash, peer) as { rowid: number, role: BlobRole, size: number } | undefined
  }

  /** `length` bytes of a blob from `offset`: reads only the rows they are in. */
  blobChunk (rowid: number, offset: number, length: number): Uint8Array {
    if (length <= 0) return new Uint8Array()
    const first = Math.floor(offset / BLOB_CHUNK_BYTES)
    const last = Math.floor((offset + length - 1) / BLOB_CHUNK_BYTES)
    const rows = this.sql('SELECT data FROM blob_chunks WHERE blob = ? AND seq BETWEEN ? AND ? ORDER BY seq').pluck().all(rowid, first, last) as Buffer[]
    const joined = rows.length === 1 ? rows[0] as Buffer : Buffer.concat(rows)
    const from = offset - first * BLOB_CHUNK_BYTES
    return new Uint8Array(joined.buffer, joined.byteOffset + from, Math.max(0, Math.min(length, joined.byteLength - from)))
  }

  private blobBytes (rowid: number): Uint8Array {
    const rows = this.sql('SELECT data FROM blob_chunks WHERE blob = ? ORDER BY seq').pluck().all(rowid) as Buffer[]
    return new Uint8Array(Buffer.concat(rows))
  }

  /** Deletes blobs of a role last used before `before`, except those in `keep`; returns how many. */
  pruneBlobs (role: BlobRole, before: number, keep: ReadonlySet<string> = new Set()): number {
    const rows = this.sql('SELECT hash, reader FROM blobs WHERE role = ? AND used_at < ?').all(role, before) as Array<{ hash: string, reader: string }>
    const remove = this.sql('DELETE FROM blobs WHERE hash = ? AND role = ? AND reader = ?')
    let removed = 0
    this.db.transaction(() => {
      for (const row of rows) if (!keep.has(row.hash)) removed += remove.run(row.hash, role, row.reader).changes
    })()
    return removed
  }

  loadReputation (): Map<string, PeerRecord> {
    const rows = this.sql('SELECT peer, record FROM reputation').all() as Array<{ peer: string, record: string }>
    return new Map(rows.map(r => [r.peer, JSON.parse(r.record) as PeerRecord]))
  }

  saveReputation (records: Array<[string, PeerRecord]>): void {
    const stmt = this.sql('INSERT OR REPLACE INTO reputation (peer, record) VALUES (?, ?)')
    this.db.transaction(() => { for (const [peer, record] of records) stmt.run(peer, JSON.stringify(record)) })()
  }

  deleteReputation (peers: string[]): void {
    const stmt = this.sql('DELETE FROM reputation WHERE peer = ?')
    this.db.transaction(() => { for (const peer of peers) stmt.run(peer) })()
  }

  /**
   * Group commit (commit-window.ts): a transaction that the writes after it join (each
   * `transaction()` inside becomes a savepoint), until commit() writes them at once (and
   * `durable()` flushes them to the device).
   */
  begin (): void {
    if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE')
  }

  commit (): void {
    if (this.db.inTransaction) this.db.exec('COMMIT')
  }

  rollback (): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK')
  }

  /** Runs `fn` in one transaction: everything it writes is on disk, or nothing. */
  transaction<T> (fn: () => T): T {
    return this.db.transaction(fn)()
  }

  private encode (task: Task): string {
    const { input: _input, ...spec } = task.spec
    const stored: StoredTask = { ...task, spec }
    return JSON.stringify(stored)
  }

  private decode (doc: string, input: Buffer): Task {
    const stored = JSON.parse(doc) as StoredTask
    return { ...stored, spec: { ...stored.spec, input: new Uint8Array(input) } }
  }
}
