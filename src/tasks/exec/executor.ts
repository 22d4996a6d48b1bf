import type { Capability } from '../../gossip/peer-table.js'

/** How one attempt ended, as the worker reports it. */
export interface ExecResult {
  outcome: 'succeeded' | 'failed' | 'failed_permanent'
  output: Uint8Array
  error?: string
  exitCode?: number
  stderrTail?: string
  /** The run hit one of this worker's own limits: it should leave the task to other workers. */
  localLimit?: boolean
}

export interface RunOptions {
  /** Aborted on timeout, cancel, lost lease or drain: the executor must stop and return. */
  signal: AbortSignal
  /** 0..100, carried to the owner with the next renewal. */
  onProgress: (percent: number) => void
  /** Kind "wasm": the module to run (fetched and hash-checked by the worker). */
  module?: Uint8Array
  /** Memory the worker reserved for the task (what its offer stated). */
  memoryBytes?: number
}

/** Runs task kinds: built-ins, operator-declared commands and WebAssembly behind one interface. */
export interface Executor {
  capabilities: () => Capability[]
  canRun: (kind: string) => boolean
  run: (kind: string, input: Uint8Array, options: RunOptions) => Promise<ExecResult>
}

/** How the error of a run stopped by a worker's own limits begins (owners do not grant that task to that worker again). */
export const LOCAL_LIMIT_PREFIX = 'this worker\'s limit: '

/**
 * A run stopped by one of this worker's own limits (an output cap, a memory or time cap of its
 * configuration), not by the task: it says nothing about the task, so it is reported as a
 * retryable failure (another worker, with other limits, may run it), never as a permanent one,
 * which would count as a claim against the other replicas' results.
 */
export function localLimit (error: string): ExecResult {
  return { outcome: 'failed', output: new Uint8Array(), error: `${LOCAL_LIMIT_PREFIX}${error}`, localLimit: true }
}

/** An error of the task itself that retrying cannot fix. */
export class NonRetryableError extends Error {
  readonly code = 'NON_RETRYABLE'
}
