import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { LIMITS } from '../gossip/wire/limits.js'

/** Bytes kept as a blob and fetched by their SHA-256 (hex) when needed. */
export interface BlobRef {
  hash: string
  size: number
}

/** The one task kind whose code comes with the task: a WASI module run in the wasm sandbox. */
export const WASM_KIND = 'wasm'

/** What a submitter asks for. Validated once at submit; everything after trusts this shape. */
export interface TaskSpec {
  kind: string
  /** The input when it fits inline; empty when `inputRef` is set. */
  input: Uint8Array
  /** The input by hash, when it is over the inline limit. */
  inputRef?: BlobRef
  /** Kind "wasm": the module, always kept as a blob. */
  module?: BlobRef
  /** Slots the task occupies on its worker (default 1). */
  slots?: number
  /** Memory the task needs; for wasm at least the module's declared maximum (default 0: unstated). */
  memoryBytes?: number
  /** Whether replicas' outputs are compared (the kind is deterministic), decided once by the owner at submit. */
  compare?: boolean
  redundancy: number
  timeoutMs: number
  maxAttempts: number
  priority: number
  /** Absolute time (ms since the epoch) after which the task fails. */
  deadline: number
  /** Submitting again with the same key returns the existing tasks. */
  idempotencyKey?: string
  /** This task's place in its submitted batch. */
  batchIndex?: number
}

export const DEFAULT_TIMEOUT_MS = 60_000
export const DEFAULT_MAX_ATTEMPTS = 3
export const DEFAULT_DEADLINE_MS = 24 * 3600 * 1000

/** Submit options as the API takes them (JSON: input as base64 or text). */
export const submitSchema = z.strictObject({
  kind: z.string().min(1).max(LIMITS.kindChars),
  /** Text or base64; bytes when the API read it from an upload (inputBlob). */
  input: z.union([z.string(), z.instanceof(Uint8Array)]).default(''),
  inputEncoding: z.enum(['utf8', 'base64']).default('utf8'),
  /** Kind "wasm" only: the WASI module, base64 (bytes from an upload: moduleBlob). */
  module: z.union([z.string().min(1), z.instanceof(Uint8Array)]).optional(),
  slots: z.number().int().min(1).max(LIMITS.slotsPerTask).default(1),
  memoryBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  count: z.number().int().min(1).max(100_000).default(1),
  redundancy: z.number().int().min(1).max(LIMITS.redundancy).default(1),
  timeoutMs: z.number().int().min(1).max(LIMITS.timeoutMs).default(DEFAULT_TIMEOUT_MS),
  maxAttempts: z.number().int().min(1).max(LIMITS.maxAttempts).default(DEFAULT_MAX_ATTEMPTS),
  priority: z.number().int().min(-LIMITS.priority).max(LIMITS.priority).default(0),
  deadlineMs: z.number().int().min(1).max(365 * 24 * 3600 * 1000).default(DEFAULT_DEADLINE_MS),
  key: z.string().min(1).max(256).optional()
})
export type SubmitRequest = z.input<typeof submitSchema>

export function sha256 (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/** The spec's content hash: every field that defines the work, in a fixed layout. */
export function specHash (spec: TaskSpec, inputHash: Uint8Array): Uint8Array {
  const hash = createHash('sha256')
  hash.update(JSON.stringify([spec.kind, spec.redundancy, spec.timeoutMs, spec.maxAttempts, spec.priority, spec.deadline, spec.idempotencyKey ?? null, spec.batchIndex ?? 0,
    spec.module?.hash ?? null, spec.slots ?? 1, spec.memoryBytes ?? 0]))
  hash.update(inputHash)
  return new Uint8Array(hash.digest())
}

/**
 * Task ids are content-derived: SHA-256(owner || nonce || spec hash), with a random 16-byte
 * nonce so that two submissions of the same work are two tasks. (Idempotency keys are looked up
 * in the owner's store, not derived into the id.)
 */
export function taskId (owner: Uint8Array, spec: TaskSpec, inputHash: Uint8Array, nonce: Uint8Array = new Uint8Array(randomBytes(16))): Uint8Array {
  return new Uint8Array(createHash('sha256').update(owner).update(nonce).update(specHash(spec, inputHash)).digest())
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex (hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}
