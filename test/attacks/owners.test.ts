import { afterEach, describe, expect, it } from 'vitest'
import { BarePeer, offer } from '../helpers/bare-peer.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { TaskView } from '../../src/tasks/view.js'

/**
 * Fake owners (issue 12, attack 4): strangers announce top-priority tasks and never answer a
 * claim, so a worker that waits on each claim, or orders across owners by the priority they
 * claim, spends its slots on them. Must hold: with 50 fake owners, an honest owner's 6 tasks
 * finish within 10 s on a worker with 2 slots; unanswered claims hold no slot for long and cost
 * the owner its standing with that worker; priority orders tasks within one owner, fairness
 * orders owners.
 */
describe('fake owners', () => {
  const mesh = new TestMesh()
  const fakes: BarePeer[] = []
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map(async fake => { await fake.stop() }))
    await mesh.cleanup()
  })

  it('50 owners that never answer a claim do not keep an honest owner\'s tasks from a 2-slot worker', async () => {
    const worker = await mesh.node({ heartbeatMs: 200, slots: 2 })
    const honest = await mesh.node({ heartbeatMs: 200, worker: false, bootstrap: [addrOf(worker)], probationLeases: 8 })
    await expect.poll(async () => (await honest.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 30_000 }).toBe('alive')

    fakes.push(...await Promise.all(Array.from({ length: 50 }, async () => await BarePeer.create())))
    // Ten at a time: fifty noise handshakes at once can outlast their timeout on a loaded machine.
    for (let i = 0; i < fakes.length; i += 10) await Promise.all(fakes.slice(i, i + 10).map(async fake => { await fake.join([worker]) }))
    // Each fake owner announces top-priority work first, and again every second; it answers no claim or pull.
    const announce = async (): Promise<void> => {
      await Promise.all(fakes.map(async fake => { await fake.announce([offer({ kind: 'sleep', priority: 1000, timeoutMs: 60_000 })]).catch(() => {}) }))
    }
    await announce()
    const again = setInterval(() => { void announce() }, 1000)
    try {
      await expect.poll(() => fakes.reduce((n, fake) => n + fake.messages('claim').length + fake.messages('pull').length, 0), { timeout: 30_000, interval: 50 }).toBeGreaterThan(0)
      const ids = await honest.tasks.submit({ kind: 'sleep', input: '200', count: 6 })
      await expect.poll(() => ids.filter(id => (honest.tasks.get(id) as TaskView).state === 'succeeded').length, { timeout: 10_000, interval: 100 }).toBe(6)
      // The fakes that were left waiting cost themselves their standing with the worker.
      const ignoredOwners = worker.reputation().filter(r => fakes.some(f => f.id === r.peerId) && (r.counts.claim_ignored ?? 0) > 0)
      expect(ignoredOwners.length).toBeGreaterThan(0)
    } finally {
      clearInterval(again)
    }
  }, 180_000)
})
