import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { groupAlive } from '../helpers/procs.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView

describe('operator-declared command kinds', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('runs a kind declared with --allow-exec through the real binary', async () => {
    const dir = await mesh.tempDir()
    procs.start(['--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--log-level', 'warn', '--allow-exec', `upper=${join(FIXTURES, 'task-ok')}`, '--allow-exec', `fail=${join(FIXTURES, 'task-exit-N')}`])
    await waitForApiFile(dir)
    expect(await runBin(['submit', '--kind', 'upper', '--input', 'hello', '--wait', '--data-dir', dir])).toMatchObject({ code: 0, stdout: 'HELLO' })
    // A failing kind: the owner shows why, attempt by attempt, with the worker's stderr tail.
    const failed = await runBin(['submit', '--kind', 'fail', '--input', '3', '--max-attempts', '2', '--wait', '--json', '--data-dir', dir])
    expect(failed.code).toBe(1)
    const id = JSON.parse(failed.stdout).ids[0] as string
    const logs = await runBin(['logs', id, '--data-dir', dir])
    expect(logs.code).toBe(0)
    expect(logs.stdout.match(/failed \(exit 3\)/g)).toHaveLength(2)
    expect(logs.stdout).toContain('| exiting with 3')
    const json = JSON.parse((await runBin(['logs', id, '--json', '--data-dir', dir])).stdout)
    expect(json.attempts).toEqual([
      expect.objectContaining({ epoch: 1, outcome: 'failed', exitCode: 3, stderrTail: 'exiting with 3\n' }),
      expect.objectContaining({ epoch: 2, outcome: 'failed', exitCode: 3 })
    ])
    const bad = await runBin(['start', '--data-dir', await mesh.tempDir(), '--allow-exec', 'x=cat | sh'])
    expect(bad.code).toBe(2)
  })

  it('never runs a kind the worker did not declare, whatever a peer sends', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)], exec: { upper: { argv: [join(FIXTURES, 'task-ok')] } } })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === worker.peerId)?.capabilities.map(c => c.kind), { timeout: 20_000 })
      .toContain('upper')
    const [declared] = await owner.tasks.submit({ kind: 'upper', input: 'ok' })
    const [undeclared] = await owner.tasks.submit({ kind: 'rm-rf', input: '/', deadlineMs: 3000 })
    await expect.poll(() => view(owner, declared as string).state, { timeout: 20_000 }).toBe('succeeded')
    await expect.poll(() => view(owner, undeclared as string).state, { timeout: 20_000 }).toBe('failed')
    expect(view(owner, undeclared as string).attempts).toBe(0)

    // A grant the worker never asked for, for a kind it does not run, is given back unrun.
    const releases: string[] = []
    owner.leases.on(body => { if (body.type === 'release') releases.push(body.release.reason) })
    await owner.leases.send(worker.libp2p.peerId, [{
      grant: {
        task: { owner: peerIdToBytes(owner.libp2p.peerId), taskId: new Uint8Array(32).fill(9), replica: 0, epoch: 1 },
        worker: peerIdToBytes(worker.libp2p.peerId),
        expiresAt: Date.now() + 60_000,
        ttlMs: 60_000,
        offer: {
          taskId: new Uint8Array(32).fill(9), kind: 'rm-rf', redundancy: 1, timeoutMs: 1000, maxAttempts: 1, priority: 0, deadline: Date.now() + 60_000,
          input: new Uint8Array([47]), inputHash: new Uint8Array(32), inputSize: 1, openReplicas: [0], slots: 1, memoryBytes: 0, deterministic: false,
          module: new Uint8Array(), moduleHash: new Uint8Array(), moduleSize: 0
        }
      }
    }])
    await expect.poll(() => releases, { timeout: 20_000 }).toEqual(['not claimed by this worker'])
    expect((worker.tasks.stats() as { running: number }).running).toBe(0)
  })

  it('a cancelled command task is killed with its whole process group', async () => {
    const pidFile = join(await mesh.tempDir(), 'pid')
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)], killGraceMs: 300, exec: { hang: { argv: [join(FIXTURES, 'task-hang'), pidFile] } } })
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === worker.peerId)?.capabilities.map(c => c.kind), { timeout: 20_000 })
      .toContain('hang')
    const [id] = await owner.tasks.submit({ kind: 'hang', input: '' })
    await expect.poll(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', { timeout: 20_000 }).toBe(true)
    const pgid = Number(readFileSync(pidFile, 'utf8').trim())
    expect(groupAlive(pgid)).toBe(true)
    owner.tasks.cancel(id as string)
    await expect.poll(() => groupAlive(pgid), { timeout: 20_000 }).toBe(false)
    await expect.poll(() => (worker.tasks.stats() as { running: number }).running, { timeout: 20_000 }).toBe(0)
  })
})
