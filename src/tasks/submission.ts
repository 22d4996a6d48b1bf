import { MeshError } from '../errors.js'
import { LIMITS } from '../gossip/wire/limits.js'
import { newTask, type Task } from './lifecycle.js'
import { sha256, submitSchema, taskId, toHex, type TaskSpec } from './spec.js'

/** A checked submission: what the API received, decoded, within limits, its input hashed once. */
export interface Submission {
  kind: string
  input: Uint8Array
  inputHash: Uint8Array
  count: number
  redundancy: number
  timeoutMs: number
  maxAttempts: number
  priority: number
  deadlineMs: number
  key?: string
}

/** Validates a submit request; a BAD_REQUEST MeshError names what is wrong. */
export function parseSubmission (request: unknown): Submission {
  const parsed = submitSchema.safeParse(request)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MeshError('BAD_REQUEST', `invalid task: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  const { input: text, inputEncoding, key, ...rest } = parsed.data
  const input = inputEncoding === 'base64' ? new Uint8Array(Buffer.from(text, 'base64')) : new TextEncoder().encode(text)
  if (input.byteLength > LIMITS.inlineInputBytes) {
    throw new MeshError('BAD_REQUEST', `input is ${input.byteLength} bytes; inputs are limited to ${LIMITS.inlineInputBytes} bytes inline (larger inputs by hash come with the executor work)`)
  }
  return { ...rest, input, inputHash: sha256(input), ...(key != null ? { key } : {}) }
}

/** The tasks of a submission, each with its content-derived id (the input hashed once for all). */
export function buildTasks (submission: Submission, ownerBytes: Uint8Array, owner: string, now: number): Task[] {
  const tasks: Task[] = []
  for (let i = 0; i < submission.count; i++) {
    const spec: TaskSpec = {
      kind: submission.kind,
      input: submission.input,
      redundancy: submission.redundancy,
      timeoutMs: submission.timeoutMs,
      maxAttempts: submission.maxAttempts,
      priority: submission.priority,
      deadline: now + submission.deadlineMs,
      ...(submission.key != null ? { idempotencyKey: submission.key, batchIndex: i } : {})
    }
    tasks.push(newTask(toHex(taskId(ownerBytes, spec, submission.inputHash)), owner, spec, now))
  }
  return tasks
}
