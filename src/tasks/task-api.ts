import { createHash } from 'node:crypto'
import { z } from 'zod'
import { MeshError } from '../errors.js'
import { BLOB_CHUNK_BYTES, type TaskStore } from './store.js'
import { viewOf } from './view.js'
import { resolveTaskId } from './task-ids.js'
import { batchApi } from './batch-api.js'
import { parseBatchRequest } from './batch-submission.js'
import type { BatchCanceller } from './batch-cancel.js'
import type { TaskOwner } from './owner.js'
import type { TaskWorker } from './worker.js'
import type { ApiTasks, BlobUpload } from '../api/server.js'
import type { Clock } from '../clock.js'

/** A submission may name an input or a module uploaded before (POST /v1/blobs) by its SHA-256. */
const uploadedSchema = z.looseObject({
  inputBlob: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex').optional(),
  moduleBlob: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex').optional()
})

/** An upload's bytes go to the store in rows as they arrive, hashed on the way. */
function upload (store: TaskStore, now: number): BlobUpload {
  const writer = store.blobWriter('task', now)
  const hash = createHash('sha256')
  let pending: Buffer[] = []
  let pendingBytes = 0
  let size = 0
  const flush = (all: boolean): void => {
    let buffered = Buffer.concat(pending)
    while (buffered.length >= BLOB_CHUNK_BYTES || (all && buffered.length > 0)) {
      writer.append(buffered.subarray(0, BLOB_CHUNK_BYTES))
      buffered = buffered.subarray(BLOB_CHUNK_BYTES)
    }
    pending = [buffered]
    pendingBytes = buffered.length
  }
  return {
    write: bytes => {
      hash.update(bytes)
      size += bytes.byteLength
      pending.push(Buffer.from(bytes))
      pendingBytes += bytes.byteLength
      if (pendingBytes >= BLOB_CHUNK_BYTES) flush(false)
    },
    finish: () => {
      flush(true)
      const hex = hash.digest('hex')
      writer.finish(hex)
      return { hash: hex, size }
    },
    abort: () => { writer.abort() }
  }
}

/** Replaces `inputBlob` / `moduleBlob` (hashes of uploads) with the bytes they name. */
function withUploads (request: unknown, store: TaskStore): unknown {
  const parsed = uploadedSchema.safeParse(request)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MeshError('BAD_REQUEST', `invalid task: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  const { inputBlob, moduleBlob, ...rest } = parsed.data
  const uploaded = (hash: string, field: string): Uint8Array => {
    // Only what this node's API was given: a task blob, never a copy held for another peer.
    const blob = store.servableBlob(hash, '')
    if (blob?.role !== 'task') throw new MeshError('BAD_REQUEST', `${field} ${hash} names no upload this node has (POST /v1/blobs first)`)
    return store.blobChunk(blob.rowid, 0, blob.size)
  }
  if (inputBlob != null && rest.input != null) throw new MeshError('BAD_REQUEST', 'give input or inputBlob, not both')
  if (moduleBlob != null && rest.module != null) throw new MeshError('BAD_REQUEST', 'give module or moduleBlob, not both')
  return {
    ...rest,
    ...(inputBlob != null ? { input: uploaded(inputBlob, 'inputBlob') } : {}),
    ...(moduleBlob != null ? { module: uploaded(moduleBlob, 'moduleBlob') } : {})
  }
}

/** The task operations the API serves, over this node's owner (and worker, for its figures), store (uploads) and batch canceller. */
export function taskApi (owner: () => TaskOwner, worker: () => Pick<TaskWorker, 'runningCount' | 'claimsSent'> | undefined, store: () => TaskStore, clock: Clock, canceller: () => BatchCanceller): ApiTasks {
  // Every route that names a task takes a unique prefix of its id (task-ids.ts).
  const idOf = (given: string): string => resolveTaskId(store(), given)
  const find = (id: string): ReturnType<TaskOwner['get']> & object => {
    const task = owner().get(id)
    if (task == null) throw new MeshError('NOT_FOUND', `no task ${id}`)
    return task
  }
  const resolve = (options: Record<string, unknown>): unknown => withUploads(options, store())
  return {
    submit: async request => await owner().submit(withUploads(request, store())),
    submitBatch: async request => {
      const batch = parseBatchRequest(request, resolve)
      return { ids: await owner().submitMany(batch), key: batch.key }
    },
    ...batchApi(owner, store, clock, canceller, resolve),
    upload: () => upload(store(), clock.now()),
    stats: () => ({ ...owner().stats(), running: worker()?.runningCount() ?? 0, claimsSent: worker()?.claimsSent ?? 0 }),
    unfinished: () => owner().unfinished(),
    get: given => {
      const task = find(idOf(given))
      return viewOf(task, owner().waitingFor(task))
    },
    capacityWarning: id => {
      const task = owner().get(id)
      return task == null ? undefined : owner().capacityWarning(task.spec.kind, task.spec.redundancy)
    },
    output: given => {
      const id = idOf(given)
      const task = find(id)
      const output = owner().output(id)
      if (task.state !== 'succeeded' || output == null) throw new MeshError('CONFLICT', `task ${id} is ${task.state}; it has no result`)
      return output
    },
    cancel: given => owner().cancel(idOf(given)),
    logs: given => {
      const id = idOf(given)
      return { id, attempts: find(id).attemptLog ?? [] }
    }
  }
}
