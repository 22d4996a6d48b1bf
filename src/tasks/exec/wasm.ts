import { Worker } from 'node:worker_threads'
import { decode } from '@webassemblyjs/wasm-parser'
import { LIMITS } from '../../gossip/wire/limits.js'
import { WASM_KIND } from '../spec.js'
import { NonRetryableError, localLimit, type ExecResult, type Executor, type RunOptions } from './executor.js'
import { workerFile } from './worker-files.js'
import type { Clock } from '../../clock.js'

/**
 * The WebAssembly kind: a WASI (preview1) module that any peer may submit, run in a worker
 * thread (workers/wasm.mjs) that serves every WASI import itself (node:wasi is not used), with
 * - memory capped by the module's own declared maximum: V8 enforces it, and a worker-thread
 *   `resourceLimits` would not (it bounds the JS heap only). A module with no maximum, with one
 *   above the node's cap, that imports its memory or has more than one is refused;
 * - only `wasi_snapshot_preview1` imports (a name outside it fails to link); no files, no
 *   sockets, an empty environment and argv ["task"];
 * - the task input on fd 0 and the output from fd 1 (up to a cap) served from memory, fd 2's last
 *   4 KiB kept (lines `progress N` report progress); every other fd answers EBADF;
 * - a logical clock, randomness seeded from the module and the input, waits that return at once,
 *   and proc_raise ending the run: nothing reaches the host, and a run depends only on the module
 *   and its input (README "WebAssembly tasks" has the exact rules);
 * - a wall-clock cap: on it, or on abort (timeout, cancel, lost lease, stop), the thread is
 *   terminated, which stops even a module looping without a single call out.
 * Runs are deterministic by construction (outputs are compared between replicas), so a trap, a
 * raised signal or a non-zero exit is final: no retry.
 */

export const WASM_PAGE_BYTES = 65_536

export interface WasmSettings {
  clock: Clock
  /** Largest declared memory maximum accepted. */
  maxMemoryBytes: number
  /** Wall-clock cap per run, whatever the task's timeout. */
  maxTimeMs: number
  /** stdout over this fails the task. */
  maxOutputBytes: number
}

export interface WasmModuleInfo {
  /** The declared memory maximum, in bytes: what a run of it can use at most. */
  maxMemoryBytes: number
}

/**
 * Reads a module's memory and import sections (not its code) and checks it against the sandbox's
 * rules; throws a NonRetryableError that says what is wrong.
 */
export function inspectWasmModule (bytes: Uint8Array, capBytes: number): WasmModuleInfo {
  let program
  try {
    program = decode(bytes, { ignoreCodeSection: true, ignoreDataSection: true, ignoreCustomNameSection: true })
  } catch (err) {
    throw new NonRetryableError(`not a WebAssembly module this node can read: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  const fields = program.body[0]?.fields ?? []
  const memories = fields.filter(f => f.type === 'Memory')
  for (const f of fields) {
    if (f.type !== 'ModuleImport') continue
    if (f.descr?.type === 'Memory') throw new NonRetryableError('the module imports its memory; it must define and export it')
    if (f.module !== 'wasi_snapshot_preview1') throw new NonRetryableError(`the module imports ${f.module ?? ''}.${f.name ?? ''}; only wasi_snapshot_preview1 is provided`)
  }
  if (memories.length !== 1) throw new NonRetryableError(`the module defines ${memories.length} memories; it must define exactly one`)
  const limits = memories[0]?.limits
  if (limits?.max == null) throw new NonRetryableError('the module declares no memory maximum; set one (e.g. wasm-ld --max-memory=N)')
  const maxMemoryBytes = limits.max * WASM_PAGE_BYTES
  if (maxMemoryBytes > capBytes) throw new NonRetryableError(`the module's memory maximum of ${maxMemoryBytes} bytes is over this node's cap of ${capBytes} bytes`)
  const exports = fields.filter(f => f.type === 'ModuleExport')
  if (!exports.some(f => f.name === '_start' && f.descr?.exportType === 'Func')) throw new NonRetryableError('the module exports no _start function')
  if (!exports.some(f => f.name === 'memory' && f.descr?.exportType === 'Memory')) throw new NonRetryableError('the module does not export its memory as "memory"')
  return { maxMemoryBytes }
}

/** What workers/wasm.mjs posts back when the module has run. */
interface WasmOutcome {
  type: 'done'
  exitCode: number
  stdout: Uint8Array
  stderr: string
  error?: string
  /** The run hit this worker's own output cap: nothing about the task. */
  localLimit?: boolean
  memoryBytes: number
}

const failed = (error: string, stderrTail = ''): ExecResult => ({ outcome: 'failed_permanent', output: new Uint8Array(), error, stderrTail })

export async function runWasm (module: Uint8Array, input: Uint8Array, options: RunOptions, settings: WasmSettings): Promise<ExecResult> {
  // The module's own rules fail the task for good; this worker's memory cap is only its own limit.
  const { maxMemoryBytes } = inspectWasmModule(module, Number.MAX_SAFE_INTEGER)
  if (maxMemoryBytes > settings.maxMemoryBytes) return localLimit(`the module's memory maximum of ${maxMemoryBytes} bytes is over this worker's cap of ${settings.maxMemoryBytes} bytes`)
  if (options.memoryBytes != null && maxMemoryBytes > options.memoryBytes) {
    // The worker reserved what the offer stated; the module may not use more than that.
    return failed(`the module's memory maximum of ${maxMemoryBytes} bytes is over the ${options.memoryBytes} bytes the task stated`)
  }
  const { clock, signal } = { clock: settings.clock, signal: options.signal }
  if (signal.aborted) return { outcome: 'failed', output: new Uint8Array(), error: 'stopped before it started' }
  const worker = new Worker(workerFile('wasm.mjs'), {
    workerData: { module, input, maxOutputBytes: settings.maxOutputBytes, stderrTailChars: LIMITS.stderrTailChars },
    // The JS heap of the thread holds the output and the stderr tail; wasm memory is outside it.
    resourceLimits: { maxOldGenerationSizeMb: 64 + Math.ceil(settings.maxOutputBytes / (1024 * 1024)) * 2, maxYoungGenerationSizeMb: 16 },
    env: {}
  })
  return await new Promise<ExecResult>(resolve => {
    let settled = false
    const finish = (result: ExecResult): void => {
      if (settled) return
      settled = true
      clock.clearTimeout(cap)
      signal.removeEventListener('abort', aborted)
      void worker.terminate()
      resolve(result)
    }
    const aborted = (): void => { finish({ outcome: 'failed', output: new Uint8Array(), error: `stopped: ${String((signal.reason as Error)?.message ?? signal.reason)}` }) }
    const cap = clock.setTimeout(() => { finish({ outcome: 'failed', output: new Uint8Array(), error: `wasm ran past this node's cap of ${settings.maxTimeMs} ms` }) }, settings.maxTimeMs)
    signal.addEventListener('abort', aborted, { once: true })
    worker.on('message', (message: WasmOutcome | { type: 'progress', percent: number }) => {
      if (message.type === 'progress') {
        options.onProgress(message.percent)
        return
      }
      const memory = `memory ${message.memoryBytes} of its ${maxMemoryBytes}-byte maximum`
      if (message.error != null && message.localLimit === true) finish({ ...localLimit(message.error), stderrTail: message.stderr })
      else if (message.error != null) finish(failed(`${message.error} (${memory})`, message.stderr))
      else if (message.exitCode !== 0) finish({ ...failed(`exited with code ${message.exitCode}`, message.stderr), exitCode: message.exitCode })
      else finish({ outcome: 'succeeded', output: new Uint8Array(message.stdout), exitCode: 0, stderrTail: message.stderr })
    })
    worker.on('error', err => {
      // A thread over its JS heap limit ends with ERR_WORKER_OUT_OF_MEMORY; anything else is ours.
      const code = (err as NodeJS.ErrnoException).code
      // The thread's heap is sized by this worker's output cap: running out of it is a local limit.
      finish(code === 'ERR_WORKER_OUT_OF_MEMORY' ? localLimit('the wasm thread ran out of memory') : { outcome: 'failed', output: new Uint8Array(), error: `wasm thread failed: ${err.message}` })
    })
    worker.on('exit', code => { finish({ outcome: 'failed', output: new Uint8Array(), error: `wasm thread exited (${code}) without a result` }) })
  })
}

/** The "wasm" kind, for nodes that opted in with --allow-wasm. */
export function wasmExecutor (settings: WasmSettings): Executor {
  return {
    capabilities: () => [{ kind: WASM_KIND, deterministic: true }],
    canRun: kind => kind === WASM_KIND,
    run: async (kind, input, options) => {
      if (kind !== WASM_KIND) return failed(`unknown kind ${kind}`)
      if (options.module == null) return failed('a wasm task came without its module')
      try {
        return await runWasm(options.module, input, options, settings)
      } catch (err) {
        return err instanceof NonRetryableError ? failed(err.message) : { outcome: 'failed', output: new Uint8Array(), error: (err as Error).message }
      }
    }
  }
}
