import type Database from 'better-sqlite3'
import type { Task, TaskState } from './lifecycle.js'

/**
 * The store's queries over batches (tasks sharing an idempotency key, each with its index) and
 * over pages of the task list. Kept apart from TaskStore, which creates it over its database.
 * The `tasks_key_finished` index (schema 6) makes "what finished since" cost what it returns.
 */

/** Where a page of finished tasks ended: a task's finish time and batch index. */
export interface FinishCursor {
  at: number
  index: number
}

/** A finished task of a batch, as the results endpoint shows it. */
export interface FinishedRow {
  index: number
  id: string
  state: TaskState
  finishedAt: number
  /** Why it failed or was cancelled (its error, else the last reason in its trail); null when it succeeded. */
  error: string | null
  /** The output, when it is at most the page's inline limit. */
  output?: Uint8Array
  outputSize: number
}

/** A task of a keyed batch as an idempotent re-submission is compared with it. */
export interface StoredInput {
  id: string
  kind: string
  /** The inline input; empty when the input is kept as a blob. */
  input: Uint8Array
  /** The blob's hash, for an input over the inline limit. */
  inputRef: string | null
}

export interface BatchSummary {
  total: number
  /** Tasks by state. */
  counts: Record<string, number>
  kind: string
  createdAt: number
}

/** Where a page of the task list ended: newest first by (created, rowid), or a batch in index order. */
export type ListCursor = { type: 'created', at: number, rowid: number } | { type: 'index', index: number }

export interface ListQuery {
  state?: TaskState
  key?: string
  after?: ListCursor
  limit: number
}

export class BatchQueries {
  constructor (private readonly db: Database.Database, private readonly decode: (doc: string, input: Buffer) => Task) {}

  /** Every task of a keyed batch in index order: what a re-submission under that key must match. */
  inputs (key: string): StoredInput[] {
    const rows = this.db.prepare(`SELECT id, kind, input, json_extract(doc, '$.spec.inputRef.hash') AS inputRef FROM tasks
      WHERE idempotency_key = ? ORDER BY batch_index`).all(key) as Array<{ id: string, kind: string, input: Buffer, inputRef: string | null }>
    return rows.map(r => ({ id: r.id, kind: r.kind, input: new Uint8Array(r.input.buffer, r.input.byteOffset, r.input.byteLength), inputRef: r.inputRef }))
  }

  /** Counts by state (one pass over the batch), or undefined for a key no task has. */
  summary (key: string): BatchSummary | undefined {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n, MIN(kind) AS kind, MIN(created_at) AS createdAt FROM tasks WHERE idempotency_key = ? GROUP BY state')
      .all(key) as Array<{ state: string, n: number, kind: string, createdAt: number }>
    if (rows.length === 0) return undefined
    return {
      total: rows.reduce((sum, r) => sum + r.n, 0),
      counts: Object.fromEntries(rows.map(r => [r.state, r.n])),
      kind: rows[0]?.kind ?? '',
      createdAt: Math.min(...rows.map(r => r.createdAt))
    }
  }

  /** Tasks of the batch, and how many of them are finished (both from the index alone). */
  progress (key: string): { total: number, done: number } {
    return this.db.prepare('SELECT COUNT(*) AS total, COUNT(finished_at) AS done FROM tasks WHERE idempotency_key = ?').get(key) as { total: number, done: number }
  }

  /**
   * Finished tasks of a batch after `after` (by finish time, then index) and finished before
   * `before`, in that order: at most `limit`, and no more once `maxBytes` of outputs are in (one
   * at least). Outputs over `inlineBytes` are left out; their size says to fetch them alone.
   */
  finished (key: string, after: FinishCursor, before: number, limit: number, maxBytes: number, inlineBytes: number): FinishedRow[] {
    const rows = this.db.prepare(`SELECT id, state, batch_index AS "index", finished_at AS finishedAt,
        COALESCE(json_extract(doc, '$.error'), CASE WHEN state != 'succeeded' THEN json_extract(doc, '$.history[#-1].reason') END) AS error,
        CASE WHEN length(output) <= ? THEN output END AS output, COALESCE(length(output), 0) AS outputSize
      FROM tasks WHERE idempotency_key = ? AND finished_at >= ? AND finished_at < ? AND NOT (finished_at = ? AND batch_index <= ?)
      ORDER BY finished_at, batch_index LIMIT ?`).iterate(inlineBytes, key, after.at, before, after.at, after.index, limit) as IterableIterator<Omit<FinishedRow, 'output'> & { output: Buffer | null }>
    const page: FinishedRow[] = []
    let bytes = 0
    for (const { output, ...row } of rows) {
      page.push(output == null ? row : { ...row, output: new Uint8Array(output.buffer, output.byteOffset, output.byteLength) })
      bytes += output?.byteLength ?? 0
      if (bytes >= maxBytes) break
    }
    return page
  }

  /** Unfinished tasks of a batch after index `after`, in index order. */
  unfinished (key: string, after: number, limit: number): Array<{ index: number, id: string }> {
    return this.db.prepare('SELECT batch_index AS "index", id FROM tasks WHERE idempotency_key = ? AND finished_at IS NULL AND batch_index > ? ORDER BY batch_index LIMIT ?')
      .all(key, after, limit) as Array<{ index: number, id: string }>
  }

  /** A page of tasks: a batch in index order, or all newest first; each with where the page would go on from it. */
  list (query: ListQuery): Array<{ task: Task, cursor: ListCursor }> {
    const { state, key, after, limit } = query
    const where: string[] = []
    const params: unknown[] = []
    if (state != null) { where.push('state = ?'); params.push(state) }
    if (key != null) {
      where.push('idempotency_key = ?')
      params.push(key)
      if (after?.type === 'index') { where.push('batch_index > ?'); params.push(after.index) }
    } else if (after?.type === 'created') {
      where.push('(created_at, rowid) < (?, ?)')
      params.push(after.at, after.rowid)
    }
    const order = key != null ? 'batch_index' : 'created_at DESC, rowid DESC'
    const rows = this.db.prepare(`SELECT rowid, created_at AS createdAt, batch_index AS "index", doc, input FROM tasks
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`).all(...params, limit) as Array<{ rowid: number, createdAt: number, index: number, doc: string, input: Buffer }>
    return rows.map(r => ({
      task: this.decode(r.doc, r.input),
      cursor: key != null ? { type: 'index', index: r.index } : { type: 'created', at: r.createdAt, rowid: r.rowid }
    }))
  }
}
