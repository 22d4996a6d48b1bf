import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh } from '../helpers/nodes.js'
import { wasmFixture } from '../helpers/wasm.js'
import type { MeshNodeStatus } from '../../src/node/mesh-node.js'

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--log-level', 'warn']
const HELLO = createHash('sha256').update('hello').digest('hex')

describe('mesh-node submit through the real binary', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('on a fresh single node: submit --wait prints the digest; task, tasks, result agree', async () => {
    const dir = await mesh.tempDir()
    procs.start(['--data-dir', dir, ...LOOPBACK])
    await waitForApiFile(dir)
    const submitted = await runBin(['submit', '--kind', 'sha256', '--input', 'hello', '--wait', '--data-dir', dir])
    expect(submitted).toMatchObject({ code: 0, stdout: HELLO })

    const json = JSON.parse((await runBin(['submit', '--kind', 'echo', '--input', 'abc', '--json', '--data-dir', dir])).stdout)
    expect(json.ids).toHaveLength(1)
    expect(json.id).toBe(json.ids[0])
    await expect.poll(async () => JSON.parse((await runBin(['task', json.id, '--json', '--data-dir', dir])).stdout).state, { timeout: 20_000 }).toBe('succeeded')
    const task = JSON.parse((await runBin(['task', json.id, '--json', '--data-dir', dir])).stdout)
    expect(task).toMatchObject({ id: json.id, state: 'succeeded', kind: 'echo', attempts: 1 })
    expect(task.history.map((h: { state: string }) => h.state)).toEqual(['pending', 'leased', 'succeeded'])
    expect(Array.isArray(task.leases)).toBe(true)
    expect(task.replicas[0]).toMatchObject({ epoch: 1, status: 'done' })
    expect((await runBin(['result', json.id, '--data-dir', dir])).stdout).toBe('abc')
    const listed = JSON.parse((await runBin(['tasks', '--state', 'succeeded', '--json', '--data-dir', dir])).stdout) as Array<{ id: string }>
    expect(listed.map(t => t.id)).toContain(json.id)

    // A failing task: --wait exits 1 with one line; its result is refused with exit 1.
    const failed = await runBin(['submit', '--kind', 'sleep', '--input', 'not a number', '--wait', '--data-dir', dir])
    expect(failed.code).toBe(1)
    expect(failed.stderr.trim().split('\n')).toHaveLength(1)
    // Bad input to submit is a usage error.
    expect((await runBin(['submit', '--kind', 'echo', '--count', 'many', '--data-dir', dir])).code).toBe(2)
    expect((await runBin(['submit', '--kind', 'echo', '--input', 'a', '--input-file', '/dev/null', '--data-dir', dir])).code).toBe(2)
    expect((await runBin(['cancel', json.id, '--data-dir', dir])).code).toBe(1)
    expect((await runBin(['submit', '--kind', 'echo', '--input', 'x', '--memory', 'lots', '--data-dir', dir])).code).toBe(2)
    expect((await runBin(['task', 'no-such-task', '--data-dir', dir])).code).toBe(1)
  })

  it('submit --kind wasm --module runs a WASI module on a node started with --allow-wasm', async () => {
    const dir = await mesh.tempDir()
    const echo = join(dir, 'echo.wasm')
    const unbounded = join(dir, 'unbounded.wasm')
    await writeFile(echo, await wasmFixture('echo'))
    await writeFile(unbounded, await wasmFixture('unbounded'))
    procs.start(['--data-dir', dir, ...LOOPBACK, '--allow-wasm'])
    await waitForApiFile(dir)
    expect(await runBin(['submit', '--kind', 'wasm', '--module', echo, '--input', 'hi from wasm', '--wait', '--data-dir', dir]))
      .toMatchObject({ code: 0, stdout: 'hi from wasm' })
    // A module no worker would run is refused at submit, in one line.
    const refused = await runBin(['submit', '--kind', 'wasm', '--module', unbounded, '--data-dir', dir])
    expect(refused.code).toBe(2)
    expect(refused.stderr.trim()).toMatch(/^mesh-node: invalid wasm module: the module declares no memory maximum/)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect((await runBin(['submit', '--kind', 'wasm', '--input', 'x', '--data-dir', dir])).code).toBe(2)
  })

  it('on a 3-node mesh: a batch submitted to a node that runs nothing itself is done by the others', async () => {
    const dirs = [await mesh.tempDir(), await mesh.tempDir(), await mesh.tempDir()]
    procs.start(['--data-dir', dirs[0] as string, ...LOOPBACK])
    await waitForApiFile(dirs[0] as string)
    const status = JSON.parse((await runBin(['status', '--json', '--data-dir', dirs[0] as string])).stdout) as MeshNodeStatus
    const bootstrap = status.addrs.find(a => a.startsWith('/ip4/127.0.0.1/')) as string
    procs.start(['--data-dir', dirs[1] as string, ...LOOPBACK, '--bootstrap', bootstrap])
    procs.start(['--data-dir', dirs[2] as string, ...LOOPBACK, '--bootstrap', bootstrap, '--no-worker'])
    await waitForApiFile(dirs[1] as string)
    await waitForApiFile(dirs[2] as string)
    await expect.poll(async () => (JSON.parse((await runBin(['peers', '--json', '--data-dir', dirs[2] as string])).stdout) as Array<{ state: string }>)
      .filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(2)

    const single = await runBin(['submit', '--kind', 'sha256', '--input', 'hello', '--wait', '--data-dir', dirs[2] as string])
    expect(single).toMatchObject({ code: 0, stdout: HELLO })
    const batch = await runBin(['submit', '--kind', 'sha256', '--input', 'hello', '--count', '20', '--wait', '--json', '--data-dir', dirs[2] as string])
    expect(batch.code).toBe(0)
    expect(JSON.parse(batch.stdout)).toMatchObject({ succeeded: 20, failed: 0, cancelled: 0 })
    // One listing (views without their trails) rather than a CLI call per task.
    const ids = new Set(JSON.parse(batch.stdout).ids as string[])
    const listed = JSON.parse((await runBin(['tasks', '--json', '--data-dir', dirs[2] as string])).stdout) as Array<{ id: string, replicas: Array<{ worker: string }> }>
    const workers = new Set(listed.filter(t => ids.has(t.id)).map(t => t.replicas[0]?.worker))
    expect(listed.filter(t => ids.has(t.id))).toHaveLength(20)
    const ownerId = JSON.parse((await runBin(['id', '--json', '--data-dir', dirs[2] as string])).stdout).peerId
    expect(workers.has(ownerId)).toBe(false)
    // b only ever dialled a, yet works for c: it learnt c's address from c's heartbeats.
    expect(workers.size).toBe(2)
  }, 120_000)
})
