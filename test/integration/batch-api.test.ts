import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'

interface Reply { status: number, body: any, headers: Headers }

async function call (node: MeshNode, method: string, path: string, opts: { token?: string | null, json?: unknown, ndjson?: string } = {}): Promise<Reply> {
  const token = opts.token === undefined ? node.apiToken : opts.token
  const response = await fetch(`${node.apiUrl as string}${path}`, {
    method,
    headers: {
      ...(token != null ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.ndjson !== undefined ? { 'content-type': 'application/x-ndjson' } : {})
    },
    ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : opts.ndjson !== undefined ? { body: opts.ndjson } : {})
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers }
}

const ndjson = (...values: unknown[]): string => values.map(v => JSON.stringify(v)).join('\n') + '\n'

describe('batches over the control API', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('a batch needs the token; a bad or oversized NDJSON line is refused naming it, and nothing is stored', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0', worker: false })
    const batch = ndjson({ kind: 'echo' }, { input: 'a' })
    expect((await call(node, 'POST', '/v1/tasks', { token: null, ndjson: batch })).status).toBe(401)
    expect((await call(node, 'GET', '/v1/batches/k/results', { token: null })).status).toBe(401)
    expect((await call(node, 'POST', '/v1/batches/k/cancel', { token: null, json: {} })).status).toBe(401)

    const refused: Array<[string, number, string, RegExp]> = [
      [ndjson({ kind: 'echo' }, { input: 'a' }, { input: 'x'.repeat(1024 * 1024) }), 413, 'BODY_TOO_LARGE', /^line 3 is over 1048576 bytes/],
      [ndjson({ kind: 'echo' }, ...Array.from({ length: 100_001 }, () => ({ input: '' }))), 413, 'BODY_TOO_LARGE', /^over 100001 lines/],
      [ndjson({ kind: 'echo' }, { input: 'a' }, { input: 'b', extra: 1 }), 400, 'BAD_REQUEST', /^line 3: /],
      [ndjson({ kind: 'echo' }) + 'nope\n', 400, 'BAD_JSON', /^line 2 is not valid JSON/],
      [ndjson({ kind: 'echo', input: 'a' }, { input: 'b' }), 400, 'BAD_REQUEST', /options cannot set input/],
      [ndjson({ kind: 'echo' }), 400, 'BAD_REQUEST', /at least one input/]
    ]
    for (const [body, status, code, message] of refused) {
      const reply = await call(node, 'POST', '/v1/tasks', { ndjson: body })
      expect(reply.status, message.source).toBe(status)
      expect(reply.body.error).toEqual({ code, message: expect.stringMatching(message) })
    }
    expect(node.tasks.list()).toEqual([])
  })

  it('the same key and inputs give the same ids (JSON or NDJSON); other inputs under it are a 409', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0', worker: false })
    const first = await call(node, 'POST', '/v1/tasks', { json: { kind: 'echo', key: 'k', inputs: [{ input: 'a' }, { inputBase64: 'AP8=' }] } })
    expect(first.status).toBe(200)
    // No worker runs echo here (worker: false, no peers): the answer says so (issue 18).
    expect(first.body).toEqual({ ids: [expect.any(String), expect.any(String)], key: 'k', warning: expect.stringContaining('no live peer runs kind "echo"') })
    const again = await call(node, 'POST', '/v1/tasks', { ndjson: ndjson({ kind: 'echo', key: 'k' }, { input: 'a' }, { inputBase64: 'AP8=' }) })
    expect(again.body).toEqual(first.body)
    const other = await call(node, 'POST', '/v1/tasks', { ndjson: ndjson({ kind: 'echo', key: 'k' }, { input: 'a' }, { input: 'b' }) })
    expect(other.status).toBe(409)
    expect(other.body.error.code).toBe('CONFLICT')
    const unkeyed = await call(node, 'POST', '/v1/tasks', { json: { kind: 'echo', inputs: [{ input: 'a' }] } })
    expect(unkeyed.body.key).toMatch(/^batch-[0-9a-f]{32}$/)
    expect(node.tasks.list()).toHaveLength(3)
  })

  it('results since a cursor: each finished task once, with its index and output, page by page', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0' })
    const inputs = Array.from({ length: 12 }, (_, i) => `in ${i}`)
    const submitted = await call(node, 'POST', '/v1/tasks', { ndjson: ndjson({ kind: 'echo', key: 'r' }, ...inputs.map(input => ({ input }))) })
    expect(submitted.status).toBe(200)
    const seen = new Map<number, string>()
    let since: string | undefined
    await expect.poll(async () => {
      const page = await call(node, 'GET', `/v1/batches/r/results?limit=5${since != null ? `&since=${since}` : ''}`)
      expect(page.body.results.length).toBeLessThanOrEqual(5)
      for (const result of page.body.results) {
        expect(seen.has(result.index), `index ${result.index} twice`).toBe(false)
        expect(result).toEqual({ index: result.index, id: submitted.body.ids[result.index], state: 'succeeded', output: inputs[result.index], error: null })
        seen.set(result.index, result.output)
      }
      since = page.body.next
      return seen.size
    }, { timeout: 30_000, interval: 100 }).toBe(12)
    expect((await call(node, 'GET', `/v1/batches/r/results?since=${since as string}`)).body).toMatchObject({ key: 'r', total: 12, done: 12, results: [] })
    expect((await call(node, 'GET', '/v1/batches/r')).body).toMatchObject({ key: 'r', kind: 'echo', total: 12, done: 12, counts: { succeeded: 12 }, cancelling: false })
    expect((await call(node, 'GET', '/v1/batches/r/results?limit=0')).status).toBe(400)
    expect((await call(node, 'GET', '/v1/batches/none/results')).status).toBe(404)
    const page = await call(node, 'GET', '/v1/tasks?key=r&limit=10')
    expect(page.body.map((t: { index: number }) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(page.headers.get('next-cursor')).toBe('i9')
  })
})
