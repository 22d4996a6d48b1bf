import { isUtf8 } from 'node:buffer'
import { MeshError } from '../errors.js'
import { BatchIntake, batchOptions } from './batch-submission.js'
import { viewOf } from './view.js'
import type { FinishCursor, FinishedRow, ListCursor } from './batch-queries.js'
import type { BatchCanceller } from './batch-cancel.js'
import type { TaskState } from './lifecycle.js'
import type { TaskOwner } from './owner.js'
import type { TaskStore } from './store.js'
import type { ApiTasks, LineSource } from '../api/server.js'
import type { Clock } from '../clock.js'

/** The API's batch operations and the paged task list, over the owner, its store and the batch canceller. */

const MiB = 1024 * 1024
const STATES: readonly string[] = ['pending', 'leased', 'verifying', 'succeeded', 'failed', 'cancelled']
/** Tasks per page of the list (the most it ever returned), and of a batch's results. */
const LIST_LIMIT = 1000
const RESULTS_LIMIT = 10_000
/** An output over this is left out of a results page (its size says to fetch it alone); a page holds this much output at most (one at least). */
const RESULT_INLINE_BYTES = 1 * MiB
const RESULTS_PAGE_BYTES = 8 * MiB
/** Unfinished tasks of a batch whose waiting reasons its summary tallies, at most. */
const WAITING_SAMPLE = 256

/** One finished task in a results page: the output as text when it is UTF-8, else in base64. */
export interface BatchResult {
  index: number
  id: string
  state: TaskState
  output?: string
  outputBase64?: string
  /** Instead of the output, when it is over 1 MiB: GET /v1/tasks/:id/result has it. */
  outputSize?: number
  error: string | null
}

export interface BatchResultsPage {
  key: string
  total: number
  done: number
  results: BatchResult[]
  /** Pass as `since` for what finishes next. */
  next: string
}

function checkState (state: string | undefined): void {
  if (state != null && !STATES.includes(state)) throw new MeshError('BAD_REQUEST', `unknown state ${state} (one of ${STATES.join(', ')})`)
}

function limitOf (value: string | undefined, max: number): number {
  if (value == null) return max
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new MeshError('BAD_REQUEST', `limit: want a whole number from 1 to ${max}, got "${value}"`)
  return Number(value)
}

function badCursor (cursor: string): MeshError {
  return new MeshError('BAD_REQUEST', `cursor "${cursor.slice(0, 64)}" is not one this query gave`)
}

export function encodeListCursor (cursor: ListCursor): string {
  return cursor.type === 'index' ? `i${cursor.index}` : `c${cursor.at}.${cursor.rowid}`
}

export function decodeListCursor (cursor: string, byKey: boolean): ListCursor {
  const index = /^i(\d+)$/.exec(cursor)
  if (byKey && index != null) return { type: 'index', index: Number(index[1]) }
  const created = /^c(\d+)\.(\d+)$/.exec(cursor)
  if (!byKey && created != null) return { type: 'created', at: Number(created[1]), rowid: Number(created[2]) }
  throw badCursor(cursor)
}

export function encodeFinishCursor (cursor: FinishCursor): string {
  return `f${cursor.at}.${cursor.index}`
}

export function decodeFinishCursor (cursor: string): FinishCursor {
  const match = /^f(\d+)\.(-1|\d+)$/.exec(cursor)
  if (match == null) throw badCursor(cursor)
  return { at: Number(match[1]), index: Number(match[2]) }
}

function resultOf (row: FinishedRow): BatchResult {
  const { index, id, state, error, output, outputSize } = row
  const body = output == null
    ? (outputSize > 0 ? { outputSize } : {})
    : isUtf8(output) ? { output: Buffer.from(output).toString('utf8') } : { outputBase64: Buffer.from(output).toString('base64') }
  return { index, id, state, ...(state === 'succeeded' ? body : {}), error }
}

export type BatchApi = Pick<ApiTasks, 'submitLines' | 'list' | 'page' | 'batch' | 'batchResults' | 'cancelBatch'>

/** `resolve` replaces an uploaded module's hash (moduleBlob) by its bytes. */
export function batchApi (owner: () => TaskOwner, store: () => TaskStore, clock: Clock, canceller: () => BatchCanceller, resolve: (options: Record<string, unknown>) => unknown): BatchApi {
  const progress = (key: string): { total: number, done: number } => {
    const counts = store().batches.progress(key)
    if (counts.total === 0) throw new MeshError('NOT_FOUND', `no batch ${key}`)
    return counts
  }
  /** The commonest reason among the first WAITING_SAMPLE unfinished tasks of a batch (in index order): a bounded read. */
  const mostCommonWaiting = (key: string): { reason: string, tasks: number, sampled: number } | null => {
    const tally = new Map<string, number>()
    const unfinished = store().batches.unfinished(key, -1, WAITING_SAMPLE)
    for (const { id } of unfinished) {
      const task = owner().get(id)
      const reason = task == null ? null : owner().waitingFor(task)
      if (reason != null) tally.set(reason, (tally.get(reason) ?? 0) + 1)
    }
    const [reason, tasks] = [...tally].sort((a, b) => b[1] - a[1])[0] ?? []
    return reason == null || tasks == null ? null : { reason, tasks, sampled: unfinished.length }
  }
  return {
    submitLines: async (lines: LineSource) => {
      let intake: BatchIntake | undefined
      await lines((value, line) => {
        if (intake == null) intake = new BatchIntake(resolve(batchOptions(value)))
        else intake.add(value, `line ${line}`)
      })
      if (intake == null) throw new MeshError('BAD_REQUEST', 'an empty batch: the first line carries the options ({"kind": ...}), then one input per line')
      const batch = intake.finish()
      return { ids: await owner().submitMany(batch), key: batch.key }
    },

    list: state => {
      checkState(state)
      return owner().list(state as TaskState | undefined).map(task => viewOf(task)).map(({ history: _history, ...rest }) => rest)
    },

    page: ({ state, key, cursor, limit }) => {
      checkState(state)
      const count = limitOf(limit, LIST_LIMIT)
      const rows = store().batches.list({
        ...(state != null ? { state: state as TaskState } : {}),
        ...(key != null ? { key } : {}),
        ...(cursor != null ? { after: decodeListCursor(cursor, key != null) } : {}),
        limit: count
      })
      const last = rows.at(-1)
      return {
        items: rows.map(({ task }) => viewOf(task)).map(({ history: _history, ...rest }) => rest),
        ...(rows.length === count && last != null ? { next: encodeListCursor(last.cursor) } : {})
      }
    },

    batch: key => {
      const summary = store().batches.summary(key)
      if (summary == null) throw new MeshError('NOT_FOUND', `no batch ${key}`)
      const done = ['succeeded', 'failed', 'cancelled'].reduce((sum, state) => sum + (summary.counts[state] ?? 0), 0)
      return { key, ...summary, done, cancelling: canceller().cancelling(key), waiting: done < summary.total ? mostCommonWaiting(key) : null }
    },

    batchResults: (key, { since, limit }): BatchResultsPage => {
      const count = limitOf(limit, RESULTS_LIMIT)
      const after = since == null ? { at: 0, index: -1 } : decodeFinishCursor(since)
      // Only what finished before now: whatever finishes later (this ms included) has a time of
      // at least now, so the next page, which starts after the last row here, finds it.
      const now = clock.now()
      const rows = store().batches.finished(key, after, now, count, RESULTS_PAGE_BYTES, RESULT_INLINE_BYTES)
      const { total, done } = progress(key)
      const last = rows.at(-1)
      const next = last != null ? { at: last.finishedAt, index: last.index } : after.at >= now ? after : { at: now, index: -1 }
      return { key, total, done, results: rows.map(resultOf), next: encodeFinishCursor(next) }
    },

    cancelBatch: key => {
      const { total, done } = progress(key)
      if (done < total) canceller().cancelBatch(key)
      return { key, total, unfinished: total - done, cancelling: done < total }
    }
  }
}
