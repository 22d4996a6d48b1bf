import { describe, expect, it, vi } from 'vitest'
import { createWorkerSender } from '../../../src/tasks/worker-sender.js'
import type { Logger } from '../../../src/logger.js'
import type { LeaseRouter } from '../../../src/tasks/lease-router.js'

function setup (stopping: boolean): { send: ReturnType<typeof createWorkerSender>, logger: { warn: ReturnType<typeof vi.fn>, debug: ReturnType<typeof vi.fn> }, gone: string[] } {
  const logger = { warn: vi.fn(), debug: vi.fn() }
  const gone: string[] = []
  const router = { send: async () => { throw new Error('This operation was aborted') } } as unknown as Pick<LeaseRouter, 'send'>
  const send = createWorkerSender({ router, clock: { now: () => 0 }, logger: logger as unknown as Logger, unreachable: peer => { gone.push(peer) }, stopping: () => stopping })
  return { send, logger, gone }
}

describe('createWorkerSender', () => {
  it('warns once when an owner cannot be reached, and reports the peer unreachable', async () => {
    const { send, logger, gone } = setup(false)
    send('owner', [])
    await vi.waitFor(() => { expect(gone).toEqual(['owner']) })
    expect(logger.warn).toHaveBeenCalledWith({ peer: 'owner', err: 'This operation was aborted' }, 'cannot reach a task owner')
  })

  it('while the worker stops, a message its closing streams did not carry is logged at debug, not warned of', async () => {
    const { send, logger, gone } = setup(true)
    send('owner', [])
    await vi.waitFor(() => { expect(gone).toEqual(['owner']) })
    expect(logger.warn).not.toHaveBeenCalled()
    expect(logger.debug).toHaveBeenCalledWith({ peer: 'owner', err: 'This operation was aborted' }, 'lease message not delivered')
  })
})
