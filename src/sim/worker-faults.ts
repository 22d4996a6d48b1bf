import type { Clock } from '../clock.js'
import type { Executor } from '../tasks/exec/executor.js'
import type { WorkerHooks } from '../tasks/worker.js'

/** Faults a worker can be made to commit, for tests and simulations (plain data: it crosses to a node process as JSON). */
export interface WorkerFaults {
  /** Report a wrong output for every task: its own random one ('random') or one shared by all colluders ('collude'). */
  lie?: 'random' | 'collude'
  /** A slow worker: each task takes this much longer (the lease is renewed meanwhile). */
  delayMs?: number
}

/** The worker hooks that commit these faults. */
export function workerFaultHooks (faults: WorkerFaults): WorkerHooks {
  const { lie, delayMs = 0 } = faults
  return {
    ...(delayMs > 0 ? { executor: (executor: Executor, clock: Clock) => slowExecutor(executor, delayMs, clock) } : {}),
    ...(lie != null ? { result: result => result.outcome === 'succeeded' ? { ...result, output: new TextEncoder().encode(lie === 'collude' ? 'colluding liars agree on this' : `a lie ${Math.random()}`) } : result } : {})
  }
}

/** Each run starts `ms` late (after its input is fetched, while its lease is held and renewed). */
function slowExecutor (executor: Executor, ms: number, clock: Clock): Executor {
  return {
    capabilities: () => executor.capabilities(),
    canRun: kind => executor.canRun(kind),
    run: async (kind, input, options) => {
      await delay(ms, options.signal, clock)
      return await executor.run(kind, input, options)
    }
  }
}

/** Waits on the node's clock, or until the signal aborts. */
async function delay (ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
  await new Promise<void>(resolve => {
    const timer = clock.setTimeout(() => { signal.removeEventListener('abort', done); resolve() }, ms)
    const done = (): void => { clock.clearTimeout(timer); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}
