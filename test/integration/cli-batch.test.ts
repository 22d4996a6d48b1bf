import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh } from '../helpers/nodes.js'
import type { MeshNodeStatus } from '../../src/node/mesh-node.js'

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--log-level', 'warn']
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

interface ResultLine { index: number, id: string, state: string, output?: string, outputBase64?: string, error: string | null }

describe('mesh-node submit --inputs (batches) through the real binary', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('Batch submit: 10,000 distinct inputs through the CLI in one call; with --wait --json every output is right and carries its input index', async () => {
    const [a, b] = [await mesh.tempDir(), await mesh.tempDir()]
    // b is new to a, so on probation: let it hold more than one of a's leases at a time, as an
    // operator of a private mesh of trusted machines would (every result of it is still checked).
    procs.start(['--data-dir', a, ...LOOPBACK], { MESH_PROBATION_LEASES: '64' })
    await waitForApiFile(a)
    const status = JSON.parse((await runBin(['status', '--json', '--data-dir', a])).stdout) as MeshNodeStatus
    procs.start(['--data-dir', b, ...LOOPBACK, '--bootstrap', status.addrs.find(addr => addr.startsWith('/ip4/127.0.0.1/')) as string])
    await waitForApiFile(b)
    await expect.poll(async () => (JSON.parse((await runBin(['peers', '--json', '--data-dir', a])).stdout) as Array<{ state: string }>)
      .filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(1)

    const inputs = Array.from({ length: 10_000 }, (_, i) => `input ${i}${i % 7 === 0 ? ' é中' : ''}`)
    const file = join(a, 'inputs.txt')
    await writeFile(file, inputs.join('\n') + '\n')
    const started = Date.now()
    const run = await runBin(['submit', '--kind', 'sha256', '--inputs', file, '--key', 'map-10k', '--wait', '--json', '--data-dir', a], {}, { timeoutMs: 900_000, maxBuffer: 64 * 1024 * 1024 })
    const seconds = (Date.now() - started) / 1000
    // Nothing on stderr but the progress lines --wait prints while it waits (issue 18): no warning, no error.
    expect(run.stderr.split('\n').filter(line => line !== '' && !/^mesh-node: \d+\/10000 done \(/.test(line))).toEqual([])
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n').map(line => JSON.parse(line) as ResultLine)
    expect(lines).toHaveLength(10_000)
    const ids: string[] = []
    for (const line of lines) {
      expect(line).toEqual({ index: line.index, id: line.id, state: 'succeeded', output: sha256(inputs[line.index] as string), error: null })
      expect(ids[line.index], `index ${line.index} twice`).toBeUndefined()
      ids[line.index] = line.id
    }
    expect(new Set(ids).size).toBe(10_000)
    console.log(`10,000 sha256 inputs on 2 nodes: submit --inputs --wait --json took ${seconds.toFixed(1)} s`)

    // The same batch again under its key: the same ids, in input order, and nothing new to run.
    const again = await runBin(['submit', '--kind', 'sha256', '--inputs', file, '--key', 'map-10k', '--json', '--data-dir', a], {}, { maxBuffer: 16 * 1024 * 1024 })
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual({ ids, key: 'map-10k' })
    // Other inputs under that key are a conflict.
    await writeFile(file, inputs.slice(1).join('\n'))
    const conflict = await runBin(['submit', '--kind', 'sha256', '--inputs', file, '--key', 'map-10k', '--data-dir', a])
    expect(conflict.code).toBe(1)
    expect(conflict.stderr).toMatch(/^mesh-node: key map-10k was used for a different submission .*\n$/)

    // The batch through the paged list (1000 a page, by cursor): both nodes worked on it.
    const { url, token } = await waitForApiFile(a)
    const workers = new Map<string, number>()
    let listed = 0
    for (let cursor: string | null = ''; cursor != null;) {
      const response: Response = await fetch(`${url}/v1/tasks?key=map-10k${cursor !== '' ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } })
      const page = await response.json() as Array<{ index: number, replicas: Array<{ worker: string | null }> }>
      for (const task of page) {
        expect(task.index).toBe(listed++)
        const worker = task.replicas[0]?.worker ?? ''
        workers.set(worker, (workers.get(worker) ?? 0) + 1)
      }
      cursor = response.headers.get('next-cursor')
    }
    expect(listed).toBe(10_000)
    expect(workers.size).toBe(2)
  }, 960_000)

  it('a batch from stdin (jsonl), inspected and cancelled by its key while --wait waits for it; bad inputs are usage errors', async () => {
    const dir = await mesh.tempDir()
    procs.start(['--data-dir', dir, ...LOOPBACK, '--no-worker'])
    await waitForApiFile(dir)
    const lines = Array.from({ length: 30 }, (_, i) => i % 2 === 0 ? JSON.stringify({ input: `text ${i}` }) : JSON.stringify({ inputBase64: Buffer.from([i, 255]).toString('base64') }))
    const submit = ['submit', '--kind', 'echo', '--inputs', '-', '--inputs-format', 'jsonl', '--key', 'jobs', '--json', '--data-dir', dir]
    const submitted = await runBin(submit, {}, { stdin: lines.join('\n') })
    expect(submitted.code).toBe(0)
    const { ids, key } = JSON.parse(submitted.stdout) as { ids: string[], key: string }
    expect(key).toBe('jobs')
    expect(ids).toHaveLength(30)

    // Nobody runs echo here: every task waits.
    expect(JSON.parse((await runBin(['batch', 'jobs', '--json', '--data-dir', dir])).stdout)).toMatchObject({ key: 'jobs', kind: 'echo', total: 30, done: 0, counts: { pending: 30 }, cancelling: false })
    const page = await runBin(['tasks', '--key', 'jobs', '--limit', '2', '--json', '--data-dir', dir])
    expect((JSON.parse(page.stdout) as Array<{ id: string, index: number }>).map(t => [t.index, t.id])).toEqual([[0, ids[0]], [1, ids[1]]])
    expect(page.stderr).toBe('mesh-node: more tasks: --cursor i1\n')
    const next = JSON.parse((await runBin(['tasks', '--key', 'jobs', '--limit', '2', '--cursor', 'i1', '--json', '--data-dir', dir])).stdout) as Array<{ index: number }>
    expect(next.map(t => t.index)).toEqual([2, 3])

    // Waiting on the batch (submitting it again under its key), while it is cancelled.
    const waiting = runBin([...submit, '--wait'], {}, { stdin: lines.join('\n') })
    const cancel = await runBin(['cancel', '--key', 'jobs', '--json', '--data-dir', dir])
    expect(JSON.parse(cancel.stdout)).toEqual({ key: 'jobs', total: 30, unfinished: 30, cancelling: true })
    const waited = await waiting
    expect(waited.code).toBe(1)
    const results = waited.stdout.trimEnd().split('\n').map(line => JSON.parse(line) as ResultLine)
    expect(results.map(r => r.index).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    for (const result of results) expect(result).toEqual({ index: result.index, id: ids[result.index], state: 'cancelled', error: 'cancelled with its batch jobs' })
    expect(JSON.parse((await runBin(['batch', 'jobs', '--json', '--data-dir', dir])).stdout)).toMatchObject({ done: 30, counts: { cancelled: 30 }, cancelling: false })

    const usage: Array<[string[], string | undefined, RegExp]> = [
      [['submit', '--kind', 'echo', '--inputs', '-', '--count', '2'], 'a', /not with --input, --input-file or --count/],
      [['submit', '--kind', 'echo', '--inputs', '-', '--inputs-format', 'csv'], 'a', /text or jsonl/],
      [['submit', '--kind', 'echo', '--inputs', '-', '--inputs-format', 'jsonl'], '{"input":"a"}\n{"input":1}\n', /^mesh-node: --inputs stdin line 2: /],
      [['submit', '--kind', 'echo', '--inputs', '-'], '', /no lines/],
      [['submit', '--kind', 'echo', '--inputs', '-', '--redundancy', '99'], 'a', /redundancy/],
      [['cancel'], undefined, /a task id or --key/]
    ]
    for (const [args, stdin, message] of usage) {
      const result = await runBin([...args, '--data-dir', dir], {}, stdin != null ? { stdin } : {})
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    }
  }, 120_000)
})
