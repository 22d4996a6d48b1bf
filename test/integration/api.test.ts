import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { API_FILE, readApiFile } from '../../src/api/api-file.js'
import { readApiToken } from '../../src/api/token.js'
import { compileConfig } from '../../src/node/config.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

interface Reply { status: number, body: any }

/** A raw HTTP request, so headers such as Host can be set freely. */
async function call (url: string, method: string, path: string, opts: { token?: string, body?: unknown, host?: string } = {}): Promise<Reply> {
  const target = new URL(path, url)
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  return await new Promise((resolve, reject) => {
    const req = request(target, {
      method,
      headers: {
        ...(opts.token != null ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.host != null ? { host: opts.host } : {}),
        ...(payload != null ? { 'content-type': 'application/json' } : {})
      }
    }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }) })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

describe('control API', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('serves status without a token and refuses a mutating request without the right token (401)', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0' })
    const other = await mesh.node()
    const { url } = await readApiFile(node.config.dataDir)
    const token = await readApiToken(node.config.dataDir)
    expect(token).toBe(node.apiToken)
    expect(url).toBe(node.apiUrl)

    const status = await call(url, 'GET', '/v1/status')
    expect(status.status).toBe(200)
    expect(status.body).toMatchObject({ peerId: node.peerId, network: 'mesh', peers: 0 })

    const dial = { addr: addrOf(other) }
    expect((await call(url, 'POST', '/v1/peers', { body: dial })).status).toBe(401)
    const wrong = await call(url, 'POST', '/v1/peers', { body: dial, token: 'x'.repeat(64) })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('UNAUTHORIZED')
    expect(node.status().peers).toBe(0)

    const ok = await call(url, 'POST', '/v1/peers', { body: dial, token })
    expect(ok).toEqual({ status: 200, body: { peerId: other.peerId } })
    expect(node.status().peers).toBe(1)
  })

  it('answers bad requests with a JSON error body and a 4xx code', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0' })
    const { url } = await readApiFile(node.config.dataDir)
    const token = await readApiToken(node.config.dataDir)
    const cases: Array<[string, string, unknown, number, string]> = [
      ['GET', '/v1/nothing', undefined, 404, 'NOT_FOUND'],
      ['DELETE', '/v1/status', undefined, 405, 'METHOD_NOT_ALLOWED'],
      ['POST', '/v1/peers', { addr: 42 }, 400, 'BAD_REQUEST'],
      ['POST', '/v1/peers', { addr: 'not-a-multiaddr' }, 400, 'BAD_REQUEST']
    ]
    for (const [method, path, body, status, code] of cases) {
      const reply = await call(url, method, path, { token, body })
      expect(reply.status, `${method} ${path}`).toBe(status)
      expect(reply.body.error.code).toBe(code)
      expect(typeof reply.body.error.message).toBe('string')
    }
  })

  it('listens on loopback only: binds 127.0.0.1 by default, refuses other hosts and foreign Host headers', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0' })
    expect(node.apiServer?.boundAddress?.address).toBe('127.0.0.1')
    expect(() => new URL(node.apiUrl ?? '')).not.toThrow()
    const { url } = await readApiFile(node.config.dataDir)
    for (const host of ['evil.example:80', '127.attacker.example', '127.0.0.1.nip.io:80']) {
      const rebinding = await call(url, 'GET', '/v1/status', { host })
      expect(rebinding.status, host).toBe(403)
    }
    for (const host of ['127.0.0.1', 'localhost:7373', '[::1]:7373']) {
      expect((await call(url, 'GET', '/v1/status', { host })).status, host).toBe(200)
    }
    expect(compileConfig({}).api?.host).toBe('127.0.0.1')
    await expect(mesh.node({ api: '0.0.0.0:0' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('api') })
  })

  it('writes api.json with mode 0600 on start and removes it on stop', async () => {
    const node = await mesh.node({ api: '127.0.0.1:0' })
    const path = join(node.config.dataDir, API_FILE)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    await node.stop()
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
