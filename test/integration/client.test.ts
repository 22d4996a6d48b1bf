import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { MeshClient, MeshError, type MeshNodeStatus, type PeerSummary, type Submitted, type TaskPage, type TaskResult, type TaskView } from '../../src/client.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

const TRACE = fileURLToPath(new URL('../fixtures/module-trace.mjs', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The module URLs a fresh Node process loads to import `specifier` (test/fixtures/module-trace.mjs). */
async function modulesLoadedBy (specifier: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-trace-'))
  try {
    const trace = join(dir, 'modules.trace')
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['--import', TRACE, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`],
        { cwd: ROOT, env: { ...process.env, MODULE_TRACE: trace }, timeout: 30_000 }, err => { if (err != null) reject(err); else resolve() })
    })
    return (await readFile(trace, 'utf8')).split('\n').filter(line => line.startsWith('esm ')).map(line => line.slice(4))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('MeshClient (mesh-node/client)', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('drives a 2-node mesh: status and peers, 100 tasks submitted as a batch and every result read as it finishes, one task cancelled', async () => {
    const owner = await mesh.node({ api: '127.0.0.1:0', heartbeatMs: 200, slots: 2 })
    const worker = await mesh.node({ heartbeatMs: 200, slots: 2, bootstrap: [addrOf(owner)] })
    // As a program would: from the data dir's api.json and api.token.
    const client = await MeshClient.connect({ dataDir: owner.config.dataDir })

    expect((await client.status()).peerId).toBe(owner.peerId)
    await expect.poll(async () => (await client.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')

    const inputs = Array.from({ length: 100 }, (_, i) => `input ${i}`)
    const batch = await client.submitMany({ kind: 'echo', key: 'client-100' }, inputs)
    expect(batch.key).toBe('client-100')
    expect(batch.ids).toHaveLength(100)
    const seen = new Map<number, TaskResult>()
    for await (const result of client.results(batch.key)) {
      expect(seen.has(result.index)).toBe(false)
      seen.set(result.index, result)
    }
    expect(seen.size).toBe(100)
    for (const [index, result] of seen) {
      expect(result).toMatchObject({ id: batch.ids[index], state: 'succeeded', error: null })
      expect(new TextDecoder().decode(result.output)).toBe(inputs[index])
    }
    expect(new TextDecoder().decode(await client.output(batch.ids[7] as string))).toBe('input 7')

    // Pages of the batch, in index order, and the task's own view and logs.
    const first = await client.list({ key: batch.key, limit: 60 })
    expect(first.tasks.map(t => t.id)).toEqual(batch.ids.slice(0, 60))
    const second = await client.list({ key: batch.key, limit: 60, cursor: first.next as string })
    expect(second.tasks.map(t => t.id)).toEqual(batch.ids.slice(60))
    expect(second.next).toBeUndefined()
    expect((await client.get(batch.ids[0] as string)).state).toBe('succeeded')
    expect((await client.logs(batch.ids[0] as string)).attempts.length).toBeGreaterThan(0)

    // One long task, cancelled.
    const long = await client.submit({ kind: 'sleep', input: '600000' })
    const id = long.ids[0] as string
    await expect.poll(async () => (await client.get(id)).state, { timeout: 20_000 }).toMatch(/^(leased|running)$/)
    expect((await client.cancel(id)).state).toBe('cancelled')
    expect((await client.get(id)).state).toBe('cancelled')

    // Errors are the CLI's coded errors.
    await expect(client.get('0'.repeat(64))).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(client.submit({ kind: 'echo', input: 'x', redundancy: 0 })).rejects.toBeInstanceOf(MeshError)
    const stranger = new MeshClient({ url: (await client.status()).api as string, token: 'wrong' })
    await expect(stranger.list()).rejects.toMatchObject({ code: 'API_UNAUTHORIZED' })
  }, 120_000)

  it('a node that is not running is NODE_UNREACHABLE, in one line', async () => {
    const client = new MeshClient({ url: 'http://127.0.0.1:9', timeoutMs: 5_000 })
    const err = await client.status().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'NODE_UNREACHABLE' })
    expect((err as Error).message).not.toContain('\n')
  })

  it('importing it loads neither libp2p nor better-sqlite3 (the package\'s main entry does)', async () => {
    const client = await modulesLoadedBy('mesh-node/client')
    expect(client.some(url => url.endsWith('/dist/src/client.js'))).toBe(true)
    expect(client.filter(url => /libp2p|better-sqlite3|@chainsafe/.test(url))).toEqual([])
    // The probe sees libp2p when it is loaded: the whole package loads it.
    const whole = await modulesLoadedBy('mesh-node')
    expect(whole.some(url => url.includes('/node_modules/libp2p/'))).toBe(true)
  }, 60_000)

  it('is typed: what each call returns, and a wrong call does not compile', () => {
    const client = new MeshClient({ url: 'http://127.0.0.1:7373' })
    expectTypeOf(client.status).returns.toEqualTypeOf<Promise<MeshNodeStatus>>()
    expectTypeOf(client.peers).returns.toEqualTypeOf<Promise<PeerSummary[]>>()
    expectTypeOf(client.submit).returns.toEqualTypeOf<Promise<Submitted>>()
    expectTypeOf(client.submitMany).returns.toEqualTypeOf<Promise<Submitted & { key: string }>>()
    expectTypeOf(client.results).returns.toEqualTypeOf<AsyncGenerator<TaskResult>>()
    expectTypeOf(client.get).returns.toEqualTypeOf<Promise<TaskView>>()
    expectTypeOf(client.list).returns.toEqualTypeOf<Promise<TaskPage>>()
    expectTypeOf(client.output).returns.toEqualTypeOf<Promise<Uint8Array>>()
    expectTypeOf(client.submit).parameter(0).toHaveProperty('kind').toEqualTypeOf<string>()
    // Type checks only (npm run typecheck): never called.
    const wrong = (): void => {
      // @ts-expect-error a task needs its kind
      void client.submit({ input: 'no kind' })
      // @ts-expect-error inputs are text or bytes
      void client.submitMany({ kind: 'echo' }, [1, 2, 3])
    }
    expect(typeof wrong).toBe('function')
  })
})
