import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiClient } from '../../src/api/client.js'
import { TaskStore } from '../../src/tasks/store.js'
import { NodeProcesses, waitForApiFile } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

/**
 * Group commit (issue 13): an owner applies the transitions of one event-loop turn in one SQLite
 * transaction and sends grants and acks only after it commits. SIGKILL it at random moments of
 * a sustained batch, 20 times over, on the same data dir. Must hold: every task whose submission
 * was answered is in the store and finishes, with the right output, and no result is applied
 * twice (one success per task, one accepted result per replica and epoch).
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--heartbeat-ms', '200', '--log-level', 'warn']
const ROUNDS = 20

describe('group commit under SIGKILL', () => {
  const mesh = new TestMesh()
  const procs = new NodeProcesses()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it(`the owner killed with SIGKILL at random moments of a sustained batch, ${ROUNDS} times: no acknowledged task lost, no result applied twice`, async () => {
    const workers = await Promise.all([0, 1].map(async () => await mesh.node({ heartbeatMs: 200, slots: 4 })))
    const ownerDir = await mesh.tempDir()
    const args = ['--data-dir', ownerDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '1000', ...workers.flatMap(w => ['--bootstrap', addrOf(w)])]
    const acknowledged = new Map<string, string>()
    let seq = 0
    for (let round = 0; round < ROUNDS; round++) {
      const owner = procs.start(args)
      const { url, token } = await waitForApiFile(ownerDir)
      const client = new ApiClient({ url, token, timeoutMs: 10_000 })
      // Submits until the kill: batches of 5 echo tasks with distinct inputs, one task per call.
      let killed = false
      const submitting = (async () => {
        // At most 30 batches a round: enough to be mid-batch at any moment, few enough to finish.
        for (let batch = 0; batch < 30 && !killed; batch++) {
          const inputs = Array.from({ length: 5 }, () => `round ${round} input ${seq++}`)
          try {
            for (const input of inputs) {
              const { ids } = await client.post<{ ids: string[] }>('/v1/tasks', { kind: 'echo', input })
              // Answered: accepted, so it must survive whatever comes next.
              for (const id of ids) acknowledged.set(id, input)
            }
          } catch {
            return
          }
        }
      })()
      await new Promise(resolve => setTimeout(resolve, 300 + Math.floor(Math.random() * 1500)))
      killed = true
      owner.child.kill('SIGKILL')
      await owner.exited
      await submitting
      // The killed node's api.json stays behind: the next start writes a new one.
      await rm(join(ownerDir, 'api.json'), { force: true })
    }
    expect(acknowledged.size).toBeGreaterThan(ROUNDS * 5)

    const last = procs.start(args)
    const { url, token } = await waitForApiFile(ownerDir)
    const client = new ApiClient({ url, token })
    // Every task it holds finishes (those whose answer the kill cut off too; the store check below is for the acknowledged ones).
    const unfinished = async (): Promise<number> => {
      const { counts } = await client.get<{ counts: Record<string, number> }>('/v1/tasks/stats')
      return (counts.pending ?? 0) + (counts.leased ?? 0) + (counts.verifying ?? 0)
    }
    await expect.poll(unfinished, { timeout: 120_000, interval: 500 }).toBe(0)
    last.child.kill('SIGTERM')
    expect(await last.exited).toBe(0)

    const store = new TaskStore(join(ownerDir, 'mesh.db'))
    try {
      for (const [id, input] of acknowledged) {
        const task = store.get(id)
        expect(task, `acknowledged task ${id} is in the store`).toBeDefined()
        expect(task?.state).toBe('succeeded')
        expect(new TextDecoder().decode(store.output(id))).toBe(input)
        // Succeeded once: one entry moved it there, and nothing came after.
        expect(task?.history.filter(h => h.state === 'succeeded')).toHaveLength(1)
        // Each replica's result at one epoch is accepted once at most.
        const accepted = (task?.history ?? []).flatMap(h => [...h.reason.matchAll(/replica (\d+) succeeded on \S+ \(epoch (\d+)\)/g)].map(m => `${m[1] as string}/${m[2] as string}`))
        expect(new Set(accepted).size).toBe(accepted.length)
        const logged = (task?.attemptLog ?? []).filter(a => a.outcome === 'succeeded').map(a => `${a.replica}/${a.epoch}`)
        expect(new Set(logged).size).toBe(logged.length)
      }
    } finally {
      store.close()
    }
  }, 400_000)
})
