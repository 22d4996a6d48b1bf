import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import { systemClock, type Clock } from '../../clock.js'
import { workerFile } from './worker-files.js'
import { NonRetryableError, type ExecResult, type Executor, type RunOptions } from './executor.js'

/** Kinds computed in worker threads (workers/builtins.mjs), off the node's event loop. */
export const POOLED_KINDS = ['sha256', 'hash-loop']
/**
 * The built-ins. Besides the pooled ones, two compute nothing and run on the event loop: echo
 * returns its input (a copy, as from the pool; a trip to a worker thread and back, piscina's
 * queue, two structured clones and a message port wake-up, cost it far more than its work) and
 * sleep waits on the node's clock.
 */
export const BUILTIN_KINDS = ['echo', ...POOLED_KINDS, 'sleep']

/** A worker-thread pool for the CPU kinds. One per node by default; inject one to share it. */
export function createBuiltinPool (maxThreads = Math.max(1, availableParallelism() - 1)): Piscina {
  return new Piscina({ filename: workerFile('builtins.mjs'), minThreads: 0, maxThreads, idleTimeout: 30_000 })
}

async function sleep (input: Uint8Array, { signal, onProgress }: RunOptions, clock: Clock): Promise<Uint8Array> {
  const ms = Number(new TextDecoder().decode(input).trim())
  if (!Number.isFinite(ms) || ms < 0 || ms > 24 * 3600 * 1000) throw new NonRetryableError(`sleep wants a number of milliseconds, got "${new TextDecoder().decode(input).slice(0, 32)}"`)
  const step = Math.max(100, ms / 20)
  let ticks = 0
  await new Promise<void>((resolve, reject) => {
    const done = (): void => { clock.clearTimeout(timer); clock.clearInterval(ticker); signal.removeEventListener('abort', aborted) }
    const aborted = (): void => { done(); reject(signal.reason) }
    const timer = clock.setTimeout(() => { done(); resolve() }, ms)
    const ticker = clock.setInterval(() => { ticks++; onProgress(Math.min(99, Math.floor((ticks * step / Math.max(ms, 1)) * 100))) }, step)
    if (signal.aborted) aborted()
    else signal.addEventListener('abort', aborted, { once: true })
  })
  return input
}

/** The built-in kinds, all deterministic: echo, sha256, hash-loop in the pool; sleep on timers. */
export function builtinExecutor (clock: Clock = systemClock, pool?: Piscina): Executor & { close: () => Promise<void> } {
  let own: Piscina | undefined
  const threads = (): Piscina => pool ?? (own ??= createBuiltinPool())
  return {
    capabilities: () => BUILTIN_KINDS.map(kind => ({ kind, deterministic: true })),
    canRun: kind => BUILTIN_KINDS.includes(kind),
    run: async (kind, input, options): Promise<ExecResult> => {
      try {
        if (kind === 'sleep') return { outcome: 'succeeded', output: await sleep(input, options, clock) }
        if (kind === 'echo') return { outcome: 'succeeded', output: new Uint8Array(input) }
        if (!POOLED_KINDS.includes(kind)) return { outcome: 'failed_permanent', output: new Uint8Array(), error: `unknown kind ${kind}` }
        const output = await threads().run({ kind, input }, { signal: options.signal }) as Uint8Array | { error: string, nonRetryable: boolean }
        if (output instanceof Uint8Array) return { outcome: 'succeeded', output: new Uint8Array(output) }
        return { outcome: output.nonRetryable ? 'failed_permanent' : 'failed', output: new Uint8Array(), error: output.error }
      } catch (err) {
        if (options.signal.aborted) return { outcome: 'failed', output: new Uint8Array(), error: `stopped: ${String((options.signal.reason as Error)?.message ?? options.signal.reason)}` }
        return { outcome: err instanceof NonRetryableError ? 'failed_permanent' : 'failed', output: new Uint8Array(), error: (err as Error).message }
      }
    },
    close: async () => { await own?.destroy() }
  }
}
