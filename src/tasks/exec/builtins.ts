import { createHash } from 'node:crypto'
import { systemClock, type Clock } from '../../clock.js'
import { NonRetryableError, type ExecResult, type Executor, type RunOptions } from './executor.js'

type Builtin = (input: Uint8Array, options: RunOptions, clock: Clock) => Promise<Uint8Array>

const text = new TextEncoder()

/** The built-in kinds: all deterministic, so their replicas can be compared. */
const BUILTINS: Record<string, Builtin> = {
  echo: async input => input,
  sha256: async input => text.encode(createHash('sha256').update(input).digest('hex')),
  sleep: async (input, { signal, onProgress }, clock) => {
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
}

export const BUILTIN_KINDS = Object.keys(BUILTINS)

export function builtinExecutor (clock: Clock = systemClock): Executor {
  return {
    capabilities: () => BUILTIN_KINDS.map(kind => ({ kind, deterministic: true })),
    canRun: kind => kind in BUILTINS,
    run: async (kind, input, options): Promise<ExecResult> => {
      const fn = BUILTINS[kind]
      if (fn == null) return { outcome: 'failed_permanent', output: new Uint8Array(), error: `unknown kind ${kind}` }
      try {
        return { outcome: 'succeeded', output: await fn(input, options, clock) }
      } catch (err) {
        if (options.signal.aborted) return { outcome: 'failed', output: new Uint8Array(), error: `stopped: ${String((options.signal.reason as Error)?.message ?? options.signal.reason)}` }
        return { outcome: err instanceof NonRetryableError ? 'failed_permanent' : 'failed', output: new Uint8Array(), error: (err as Error).message }
      }
    }
  }
}
