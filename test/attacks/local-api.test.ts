import { createHash } from 'node:crypto'
import { chmod, readdir, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/view.js'

/**
 * The local control API (issue 11, attack 10). The attacker is another user or process on the
 * same machine: it can reach 127.0.0.1 and read whatever files the data dir's modes let it read,
 * but it does not have the node's token. Must hold: task data (the task list and views, results,
 * logs with their stderr tails, stats, the reputation table) answers 401 without the token, while
 * status, peers and metrics stay open; the data dir is 0700 and its files 0600, also after a start
 * in a dir left loose; JSON bodies are bounded (1 MiB for a submission) and malformed requests get
 * 400 with a JSON error body, never a 500.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
const SECRET = 'the victim\'s private input'

interface Reply { status: number, headers: Record<string, unknown>, text: string }

/** A raw HTTP request to the node (node:http sends the path exactly as given). */
async function call (url: string, method: string, path: string, opts: { token?: string, body?: string | Uint8Array, contentType?: string } = {}): Promise<Reply> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      method,
      path,
      headers: {
        ...(opts.token != null ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body != null ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(opts.body) } : {})
      }
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', chunk => { chunks.push(chunk as Buffer) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    // A server that answers before reading the whole body may close the socket under the upload.
    req.on('error', err => { if (!req.writableEnded || (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err) })
    // The reset of such an upload can reach the socket after the request let go of it (the 413
    // already read): an error nobody listens to would end the test run. The request's own
    // listener above still rejects a failure that happens while it waits.
    req.on('socket', socket => { socket.on('error', () => {}) })
    req.end(opts.body)
  })
}

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView

async function modesUnder (dir: string): Promise<Array<[string, number]>> {
  const found: Array<[string, number]> = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name)
    found.push([path.slice(dir.length + 1), (await stat(path)).mode & 0o777])
  }
  return found
}

describe('the local control API against another local user', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  async function victim (): Promise<{ node: MeshNode, url: string, token: string, echo: string, failing: string }> {
    const node = await mesh.node({ api: '127.0.0.1:0', heartbeatMs: 200, exec: { fail: { argv: [join(FIXTURES, 'task-exit-N')] } } })
    const url = node.apiUrl as string
    const token = node.apiToken as string
    const [echo] = await node.tasks.submit({ kind: 'echo', input: SECRET }) as [string]
    const [failing] = await node.tasks.submit({ kind: 'fail', input: '3', maxAttempts: 1 }) as [string]
    await expect.poll(() => view(node, echo).state, { timeout: 30_000 }).toBe('succeeded')
    await expect.poll(() => view(node, failing).state, { timeout: 30_000 }).toBe('failed')
    return { node, url, token, echo, failing }
  }

  // The attacker lists the tasks, then reads another user's result (an echo: its input) and the
  // stderr tail of a failed attempt, without a token.
  it('task data needs the token: without it the list, views, results, logs, stats and reputation answer 401', async () => {
    const { url, token, echo, failing } = await victim()
    const reads = ['/v1/tasks', `/v1/tasks/${echo}`, `/v1/tasks/${echo}/result`, `/v1/tasks/${failing}/logs`, '/v1/tasks/stats', '/v1/reputation']
    for (const path of reads) {
      for (const bad of [undefined, 'x'.repeat(64)]) {
        const reply = await call(url, 'GET', path, bad != null ? { token: bad } : {})
        expect(reply.status, `${path} with token ${String(bad)}`).toBe(401)
        expect(JSON.parse(reply.text).error.code).toBe('UNAUTHORIZED')
        expect(reply.text).not.toContain(SECRET)
        expect(reply.text).not.toContain('exiting with 3')
      }
    }
    // The owner of the token still reads all of it.
    expect(await call(url, 'GET', `/v1/tasks/${echo}/result`, { token })).toMatchObject({ status: 200, text: SECRET })
    expect(JSON.parse((await call(url, 'GET', `/v1/tasks/${failing}/logs`, { token })).text).attempts[0].stderrTail).toBe('exiting with 3\n')
    expect(JSON.parse((await call(url, 'GET', '/v1/tasks', { token })).text).map((t: TaskView) => t.id).sort()).toEqual([echo, failing].sort())
    // Health and monitoring stay open on loopback.
    for (const path of ['/v1/status', '/v1/peers', '/metrics']) expect((await call(url, 'GET', path)).status, path).toBe(200)
  })

  // The attacker opens mesh.db (every task's input and output), the node key or the token file
  // directly. Must hold: the dir is 0700 and every file in it 0600, also for a dir that an older
  // version (or the operator) left with looser modes: the node fixes them when it starts.
  it('the data dir is 0700 and its files 0600, fixed at start when they were looser', async () => {
    const { node } = await victim()
    const dir = node.config.dataDir
    const expectPrivate = async (): Promise<void> => {
      expect((await stat(dir)).mode & 0o777).toBe(0o700)
      const modes = await modesUnder(dir)
      for (const [path, mode] of modes) {
        const isDir = (await stat(join(dir, path))).isDirectory()
        expect(mode.toString(8), path).toBe(isDir ? '700' : '600')
      }
      for (const name of ['mesh.db', 'peer.key', 'api.json', 'api.token', 'node.lock']) expect(modes.map(([path]) => path)).toContain(name)
    }
    await expectPrivate()
    await node.stop()
    // As an older version left it: everything readable by all.
    await chmod(dir, 0o755)
    for (const [path] of await modesUnder(dir)) {
      const isDir = (await stat(join(dir, path))).isDirectory()
      await chmod(join(dir, path), isDir ? 0o755 : 0o644)
    }
    await writeFile(join(dir, 'mesh.db-wal'), '', { flag: 'a', mode: 0o644 })
    await node.start()
    await expectPrivate()
  })

  // The attacker (or a confused script) posts a 2 MiB JSON body: the node must not buffer and
  // parse it (the old limit was ~170 MB). Must hold: 413 with a JSON error, nothing submitted.
  it('a JSON body over 1 MiB answers 413 and submits nothing', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0', worker: false })
    const body = JSON.stringify({ kind: 'echo', input: 'x'.repeat(2 * 1024 * 1024) })
    const reply = await call(node.apiUrl as string, 'POST', '/v1/tasks', { token: node.apiToken as string, body })
    expect(reply.status).toBe(413)
    expect(JSON.parse(reply.text).error.code).toBe('BODY_TOO_LARGE')
    expect(node.tasks.list()).toEqual([])
  })

  // Inputs and modules over the JSON limit go as raw bytes, each route with its own limit.
  it('large inputs go as raw bytes to POST /v1/blobs (up to the blob limit, 413 beyond) and a submission names them by hash', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0' })
    const url = node.apiUrl as string
    const token = node.apiToken as string
    const input = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 7) & 0xff)
    expect((await call(url, 'POST', '/v1/blobs', { body: input, contentType: 'application/octet-stream' })).status).toBe(401)
    const uploaded = await call(url, 'POST', '/v1/blobs', { token, body: input, contentType: 'application/octet-stream' })
    expect(uploaded.status).toBe(200)
    const { hash, size } = JSON.parse(uploaded.text) as { hash: string, size: number }
    expect(size).toBe(input.byteLength)
    expect(hash).toBe(createHash('sha256').update(input).digest('hex'))
    const submitted = await call(url, 'POST', '/v1/tasks', { token, body: JSON.stringify({ kind: 'sha256', inputBlob: hash }) })
    expect(submitted.status).toBe(200)
    const id = JSON.parse(submitted.text).id as string
    await expect.poll(() => view(node, id).state, { timeout: 30_000 }).toBe('succeeded')
    expect((await call(url, 'GET', `/v1/tasks/${id}/result`, { token })).text).toBe(hash)
    // One limit per route: 64 MiB raw, 4 KiB for a cancel; a hash nobody uploaded is refused.
    const over = await call(url, 'POST', '/v1/blobs', { token, body: new Uint8Array(64 * 1024 * 1024 + 1), contentType: 'application/octet-stream' })
    expect(over.status).toBe(413)
    expect((await call(url, 'POST', `/v1/tasks/${id}/cancel`, { token, body: JSON.stringify({ pad: 'x'.repeat(5000) }) })).status).toBe(413)
    expect((await call(url, 'POST', '/v1/tasks', { token, body: JSON.stringify({ kind: 'sha256', inputBlob: 'ab'.repeat(32) }) })).status).toBe(400)
    expect((await call(url, 'POST', '/v1/blobs', { token, body: '{}' })).status).toBe(400)
  })

  // Malformed requests: a bad % escape in the path, a body that is not JSON, a body sent with
  // another content type. Must hold: 400 with {error: {code, message}}, never a 500 or a stack.
  it('malformed requests answer 400 with a JSON error body', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0', worker: false })
    const url = node.apiUrl as string
    const token = node.apiToken as string
    const cases: Array<[string, string, { body?: string, contentType?: string }]> = [
      ['GET', '/v1/tasks/%zz', {}],
      ['GET', '/v1/tasks/%E0%A4%A/logs', {}],
      ['POST', '/v1/tasks', { body: '{"kind": "echo", ' }],
      ['POST', '/v1/tasks', { body: JSON.stringify({ kind: 'echo', input: 'hi' }), contentType: 'text/plain' }],
      ['POST', '/v1/tasks', { body: JSON.stringify({ kind: 'echo', input: 'hi' }), contentType: 'application/x-www-form-urlencoded' }]
    ]
    for (const [method, path, opts] of cases) {
      const reply = await call(url, method, path, { token, ...opts })
      expect(reply.status, `${method} ${path} ${opts.contentType ?? ''}`).toBe(400)
      const { error } = JSON.parse(reply.text) as { error: { code: string, message: string } }
      expect(typeof error.code).toBe('string')
      expect(error.message).not.toMatch(/\n\s+at /)
    }
    expect(node.tasks.list()).toEqual([])
  })
})
