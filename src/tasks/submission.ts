import { randomBytes } from 'node:crypto'
import { MeshError } from '../errors.js'
import { LIMITS } from '../gossip/wire/limits.js'
import { inspectWasmModule } from './exec/wasm.js'
import { newTask, type Task } from './lifecycle.js'
import { sha256, submitSchema, taskId, toHex, WASM_KIND, type TaskSpec } from './spec.js'

/** The largest memory maximum a wasm module can declare (wasm32: 65536 pages of 64 KiB). */
const WASM32_MAX_MEMORY = 4 * 1024 ** 3

/** A checked submission: what the API received, decoded, within limits, its input hashed once. */
export interface Submission {
  kind: string
  input: Uint8Array
  inputHash: Uint8Array
  /** Kind "wasm": the module and its hash. */
  module?: Uint8Array
  moduleHash?: Uint8Array
  count: number
  redundancy: number
  timeoutMs: number
  maxAttempts: number
  priority: number
  deadlineMs: number
  slots: number
  memoryBytes: number
  key?: string
}

/** Validates a submit request; a BAD_REQUEST MeshError names what is wrong. */
export function parseSubmission (request: unknown): Submission {
  const parsed = submitSchema.safeParse(request)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MeshError('BAD_REQUEST', `invalid task: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  const { input: text, inputEncoding, key, module: moduleText, ...rest } = parsed.data
  const input = typeof text !== 'string' ? text : inputEncoding === 'base64' ? new Uint8Array(Buffer.from(text, 'base64')) : new TextEncoder().encode(text)
  if (input.byteLength > LIMITS.blobBytes) {
    throw new MeshError('BAD_REQUEST', `input is ${input.byteLength} bytes; inputs are limited to ${LIMITS.blobBytes} bytes`)
  }
  let module: Uint8Array | undefined
  let memoryBytes = rest.memoryBytes
  if (rest.kind === WASM_KIND) {
    if (moduleText == null) throw new MeshError('BAD_REQUEST', 'a wasm task needs its module (--module file.wasm)')
    module = typeof moduleText !== 'string' ? moduleText : new Uint8Array(Buffer.from(moduleText, 'base64'))
    if (module.byteLength > LIMITS.blobBytes) throw new MeshError('BAD_REQUEST', `module is ${module.byteLength} bytes; modules are limited to ${LIMITS.blobBytes} bytes`)
    try {
      // Workers check against their own cap again; this catches what no worker would run.
      memoryBytes = Math.max(memoryBytes, inspectWasmModule(module, WASM32_MAX_MEMORY).maxMemoryBytes)
    } catch (err) {
      throw new MeshError('BAD_REQUEST', `invalid wasm module: ${(err as Error).message}`)
    }
  } else if (moduleText != null) {
    throw new MeshError('BAD_REQUEST', `a module is for kind ${WASM_KIND} only, not ${rest.kind}`)
  }
  return {
    ...rest,
    memoryBytes,
    input,
    inputHash: sha256(input),
    ...(module != null ? { module, moduleHash: sha256(module) } : {}),
    ...(key != null ? { key } : {})
  }
}

/** Whether a submission's input travels by hash (over the inline limit) rather than in the grant. */
export function inputByHash (submission: Pick<Submission, 'input'>): boolean {
  return submission.input.byteLength > LIMITS.inlineInputBytes
}

/** The tasks of a submission, each with its content-derived id (the input hashed once for all). */
export function buildTasks (submission: Submission, ownerBytes: Uint8Array, owner: string, now: number): Task[] {
  const tasks: Task[] = []
  const large = inputByHash(submission)
  const input = large ? new Uint8Array() : submission.input
  // One draw from the CSPRNG for the whole batch: a 16-byte nonce per task.
  const nonces = new Uint8Array(randomBytes(16 * submission.count))
  for (let i = 0; i < submission.count; i++) {
    const spec: TaskSpec = {
      kind: submission.kind,
      input,
      ...(large ? { inputRef: { hash: toHex(submission.inputHash), size: submission.input.byteLength } } : {}),
      ...(submission.module != null && submission.moduleHash != null ? { module: { hash: toHex(submission.moduleHash), size: submission.module.byteLength } } : {}),
      redundancy: submission.redundancy,
      timeoutMs: submission.timeoutMs,
      maxAttempts: submission.maxAttempts,
      priority: submission.priority,
      deadline: now + submission.deadlineMs,
      slots: submission.slots,
      memoryBytes: submission.memoryBytes,
      ...(submission.key != null ? { idempotencyKey: submission.key, batchIndex: i } : {})
    }
    tasks.push(newTask(toHex(taskId(ownerBytes, spec, submission.inputHash, nonces.subarray(16 * i, 16 * (i + 1)))), owner, spec, now))
  }
  return tasks
}
