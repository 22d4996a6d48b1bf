import { describe, expect, it } from 'vitest'
import { workerFaultHooks } from '../../../src/sim/worker-faults.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { Executor, ExecResult } from '../../../src/tasks/exec/executor.js'

const ok: ExecResult = { outcome: 'succeeded', output: new TextEncoder().encode('the truth') }
const echo: Executor = { capabilities: () => [], canRun: () => true, run: async () => ok }
const text = (result: ExecResult): string => new TextDecoder().decode(result.output)

describe('workerFaultHooks', () => {
  it('no faults: no hooks', () => {
    expect(workerFaultHooks({})).toEqual({})
    expect(workerFaultHooks({ delayMs: 0 })).toEqual({})
  })

  it('a liar changes succeeded outputs only: its own random one, or the one colluders share', () => {
    const random = workerFaultHooks({ lie: 'random' }).result
    const collude = workerFaultHooks({ lie: 'collude' }).result
    expect(random).toBeDefined()
    expect(text(random?.(ok) as ExecResult)).toMatch(/^a lie /)
    expect(text(random?.(ok) as ExecResult)).not.toBe(text(random?.(ok) as ExecResult))
    expect(text(collude?.(ok) as ExecResult)).toBe('colluding liars agree on this')
    const failed: ExecResult = { outcome: 'failed', output: new Uint8Array(), error: 'no' }
    expect(random?.(failed)).toBe(failed)
  })

  it('a slow worker starts each run late on the node\'s clock, and at once when the run is stopped', async () => {
    const clock = new ManualClock()
    const slow = workerFaultHooks({ delayMs: 1000 }).executor?.(echo, clock) as Executor
    let done = false
    void slow.run('echo', new Uint8Array(), { signal: new AbortController().signal, onProgress: () => {} }).then(() => { done = true })
    await clock.advance(999)
    expect(done).toBe(false)
    await clock.advance(1)
    expect(done).toBe(true)
    const abort = new AbortController()
    const stopped = slow.run('echo', new Uint8Array(), { signal: abort.signal, onProgress: () => {} })
    abort.abort()
    await expect(stopped).resolves.toBe(ok)
  })
})
