import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { TaskView } from '../../src/tasks/owner.js'

function hashLoop (input: string): string {
  let digest = createHash('sha256').update(input).digest()
  for (let i = 0; i < Number(input); i++) digest = createHash('sha256').update(digest).digest()
  return digest.toString('hex')
}

describe('built-in kinds run off the event loop', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('a CPU-heavy built-in task (~3 s of hashing) does not make its node miss heartbeats or lease renewals', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 1000 })
    const worker = await mesh.node({ heartbeatMs: 200, slots: 1, bootstrap: [addrOf(owner)] })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')

    const states = new Set<string>()
    // Read once: a read still in flight when the test ends must not touch a stopped node.
    const workerId = worker.peerId
    const watch = setInterval(() => {
      owner.peers().then(peers => { states.add(peers.find(p => p.peerId === workerId)?.state ?? 'missing') }, () => {})
    }, 50)
    try {
      const [id] = await owner.tasks.submit({ kind: 'hash-loop', input: '3000000' })
      await expect.poll(() => (owner.tasks.get(id as string) as TaskView).state, { timeout: 60_000, interval: 100 }).toBe('succeeded')
      const task = owner.tasks.get(id as string) as TaskView
      // Its lease (TTL 1 s) was renewed all along: one attempt, no expiry.
      expect(task.attempts).toBe(1)
      expect(task.history.some(h => h.reason.includes('expired'))).toBe(false)
      // Heartbeats every 200 ms kept coming: never suspect (3 missed) while it hashed.
      expect([...states]).toEqual(['alive'])
      expect(new TextDecoder().decode(owner.tasks.output(id as string))).toBe(hashLoop('3000000'))
    } finally {
      clearInterval(watch)
    }
  }, 120_000)
})
