import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { MeshError } from '../errors.js'
import { newTask, type Task } from './lifecycle.js'
import { sha256, taskId, toHex, type TaskSpec } from './spec.js'
import { inputByHash, parseSubmission, type Submission } from './submission.js'
import type { StoredInput } from './batch-queries.js'
import { BATCH_LIMITS } from './batch-limits.js'

/**
 * A batch: many tasks of one kind and one set of options, each with its own input and its index
 * in the batch. Every batch has a key (the submitter's idempotency key, or one made here), so a
 * batch can always be inspected, waited for and cancelled by key; the same key with the same
 * inputs returns the same ids, with other inputs it is a CONFLICT.
 */

export { BATCH_LIMITS } from './batch-limits.js'

/** One input: text, or bytes in base64. */
export const inputLineSchema = z.union([
  z.strictObject({ input: z.string() }),
  z.strictObject({ inputBase64: z.base64() })
], { error: 'want {"input": "text"} or {"inputBase64": "..."}' })

/** Fields of a one-task submission that a batch takes per input instead. */
const PER_INPUT_FIELDS = ['input', 'inputEncoding', 'inputBlob', 'count', 'inputs']

export interface BatchSubmission {
  /** Kind, options and module: checked as a one-task submission without an input. */
  base: Submission
  key: string
  inputs: Uint8Array[]
  inputHashes: Uint8Array[]
}

/** Whether a JSON submission is a batch (`inputs`) rather than one input. */
export function isBatchRequest (request: unknown): request is { inputs: unknown } {
  return typeof request === 'object' && request != null && 'inputs' in request
}

/** Decodes one input line; BAD_REQUEST names where it is (`where`: "line 7", "inputs[6]"). */
export function decodeInput (value: unknown, where: string): Uint8Array {
  const parsed = inputLineSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MeshError('BAD_REQUEST', `${where}: ${issue != null && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`)
  }
  const line = parsed.data
  return 'input' in line ? new TextEncoder().encode(line.input) : new Uint8Array(Buffer.from(line.inputBase64, 'base64'))
}

/** A batch's options: a submission's fields but the input's (kind, redundancy, ..., module, key). */
export function batchOptions (value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value == null || Array.isArray(value)) throw new MeshError('BAD_REQUEST', 'a batch starts with its options as a JSON object ({"kind": ...})')
  const perInput = PER_INPUT_FIELDS.find(field => field in value)
  if (perInput != null) throw new MeshError('BAD_REQUEST', `a batch's options cannot set ${perInput}: each task's input comes on its own`)
  return value as Record<string, unknown>
}

/**
 * Takes a batch piece by piece (the options, then each input as it arrives) and checks every
 * piece as it comes, so a bad line fails the request before the rest is read.
 */
export class BatchIntake {
  private readonly base: Submission
  private readonly key: string
  private readonly inputs: Uint8Array[] = []

  /** `options`: checked by batchOptions, with an uploaded module resolved. */
  constructor (options: unknown) {
    const base = parseSubmission(options)
    this.key = base.key ?? `batch-${randomBytes(16).toString('hex')}`
    this.base = { ...base, key: this.key }
  }

  add (value: unknown, where: string): void {
    if (this.inputs.length >= BATCH_LIMITS.tasks) throw new MeshError('BAD_REQUEST', `${where}: a batch has at most ${BATCH_LIMITS.tasks} tasks`)
    this.inputs.push(decodeInput(value, where))
  }

  finish (): BatchSubmission {
    if (this.inputs.length === 0) throw new MeshError('BAD_REQUEST', 'a batch needs at least one input')
    return { base: this.base, key: this.key, inputs: this.inputs, inputHashes: this.inputs.map(sha256) }
  }
}

/** A JSON batch: `{kind, ...options, inputs: [{input} | {inputBase64}, ...]}`; `resolve` replaces an uploaded module's hash by its bytes. */
export function parseBatchRequest (request: { inputs: unknown }, resolve: (options: Record<string, unknown>) => unknown): BatchSubmission {
  const { inputs, ...options } = request
  if (!Array.isArray(inputs)) throw new MeshError('BAD_REQUEST', 'inputs: want an array of {"input": "text"} or {"inputBase64": "..."}')
  const intake = new BatchIntake(resolve(batchOptions(options)))
  for (const [i, value] of inputs.entries()) intake.add(value, `inputs[${i}]`)
  return intake.finish()
}

/**
 * The ids of the stored batch under this key when it is the same work (kind and every input, in
 * order); undefined when the key is new; CONFLICT when the key was used for other work.
 */
export function sameBatch (batch: BatchSubmission, stored: StoredInput[]): string[] | undefined {
  if (stored.length === 0) return undefined
  const differs = stored.length !== batch.inputs.length || stored.some((task, i) => {
    const input = batch.inputs[i] as Uint8Array
    if (task.kind !== batch.base.kind) return true
    return inputByHash({ input }) ? task.inputRef !== toHex(batch.inputHashes[i] as Uint8Array) : task.inputRef != null || Buffer.compare(task.input, input) !== 0
  })
  if (differs) {
    throw new MeshError('CONFLICT', `key ${batch.key} was used for a different submission (${stored.length} ${stored[0]?.kind ?? ''} task(s) with other inputs)`)
  }
  return stored.map(t => t.id)
}

/** The blobs a batch's tasks name: its module and its inputs over the inline limit. */
export function batchBlobs (batch: BatchSubmission): Array<{ hash: string, bytes: Uint8Array }> {
  const blobs = batch.inputs.flatMap((input, i) => inputByHash({ input }) ? [{ hash: toHex(batch.inputHashes[i] as Uint8Array), bytes: input }] : [])
  const { module, moduleHash } = batch.base
  return module != null && moduleHash != null ? [{ hash: toHex(moduleHash), bytes: module }, ...blobs] : blobs
}

/**
 * The batch's tasks, in input order, each with its index and a content-derived id. One nonce
 * serves the whole batch: the index in each spec already makes its tasks' ids distinct.
 */
export function buildBatchTasks (batch: BatchSubmission, ownerBytes: Uint8Array, owner: string, now: number, compare: boolean): Task[] {
  const { base } = batch
  const nonce = new Uint8Array(randomBytes(16))
  const module = base.module != null && base.moduleHash != null ? { module: { hash: toHex(base.moduleHash), size: base.module.byteLength } } : {}
  return batch.inputs.map((input, batchIndex) => {
    const inputHash = batch.inputHashes[batchIndex] as Uint8Array
    const large = inputByHash({ input })
    const spec: TaskSpec = {
      kind: base.kind,
      input: large ? new Uint8Array() : input,
      ...(large ? { inputRef: { hash: toHex(inputHash), size: input.byteLength } } : {}),
      ...module,
      redundancy: base.redundancy,
      timeoutMs: base.timeoutMs,
      maxAttempts: base.maxAttempts,
      priority: base.priority,
      deadline: now + base.deadlineMs,
      slots: base.slots,
      memoryBytes: base.memoryBytes,
      compare,
      idempotencyKey: batch.key,
      batchIndex
    }
    return newTask(toHex(taskId(ownerBytes, spec, inputHash, nonce)), owner, spec, now)
  })
}
