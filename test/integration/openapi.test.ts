import { readFile } from 'node:fs/promises'
import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterEach, describe, expect, it } from 'vitest'
import { OPENAPI } from '../../src/api/openapi.js'
import { ApiServer, MAX_EVENT_STREAMS } from '../../src/api/server.js'
import { MeshClient } from '../../src/client.js'
import { silentLogger } from '../../src/logger.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
const paths = OPENAPI.paths as unknown as Record<string, Record<string, Operation>>

/** Every documented operation as "get /v1/tasks/{id}". */
const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map(method => `${method} ${path}`)).sort()

const ajv = new Ajv2020({ strict: false, allErrors: true })
/** The response schema of an operation for a status, with the document's components (for its $refs). */
function validator (operation: string, status: number): ((body: unknown) => boolean) & { errors?: unknown } {
  const [method, path] = operation.split(' ') as [string, string]
  const response = paths[path]?.[method]?.responses[String(status)]
  if (response == null) throw new Error(`${operation} documents no ${status} answer`)
  const schema = response.content?.['application/json']?.schema
  if (schema == null) throw new Error(`${operation} ${status} has no JSON schema`)
  return ajv.compile({ ...(schema as object), components: OPENAPI.components })
}

describe('the OpenAPI document', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('is served at /v1/openapi.json and kept in docs/openapi.json', async () => {
    const owner = await mesh.node({ api: '127.0.0.1:0' })
    const client = await MeshClient.connect({ dataDir: owner.config.dataDir })
    expect(await client.api.get('/v1/openapi.json')).toEqual(JSON.parse(JSON.stringify(OPENAPI)))
    const kept = JSON.parse(await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as { info: { version: string } }
    expect({ ...kept, info: { ...kept.info, version: OPENAPI.info.version } }).toEqual(JSON.parse(JSON.stringify(OPENAPI)))
  })

  it('is a valid OpenAPI 3.1 document: the specification\'s own schema, every $ref resolved', async () => {
    // @apidevtools/swagger-parser validates against the OpenAPI 3.1 meta-schema; the schemas of
    // the bodies themselves are compiled by ajv in the tests below.
    const parsed = await SwaggerParser.validate(JSON.parse(JSON.stringify(OPENAPI)))
    expect(parsed).toMatchObject({ openapi: '3.1.0' })
    // It can fail: a response keyed by something other than a status code is refused.
    const broken = JSON.parse(JSON.stringify(OPENAPI))
    broken.paths['/v1/status'].get.responses = { fine: { description: 'not a status code' } }
    await expect(SwaggerParser.validate(broken)).rejects.toThrow(/unevaluated properties/)
  })

  it('documents every route the server has, and nothing it does not have', async () => {
    const owner = await mesh.node()
    const server = new ApiServer({ node: owner, host: '127.0.0.1', port: 0, logger: silentLogger(), token: 'x'.repeat(64) })
    const routes = server.routeKeys().map(key => {
      const [method, path] = key.split(' ') as [string, string]
      return `${method.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`
    }).sort()
    expect(documented).toEqual(routes)
    expect(JSON.stringify(paths['/v1/events'])).toContain(`at most ${MAX_EVENT_STREAMS} streams`)
  })

  it('every documented route answers as documented on a live node: status code and body against its schema', async () => {
    const owner = await mesh.node({ api: '127.0.0.1:0', heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    const client = await MeshClient.connect({ dataDir: owner.config.dataDir })
    await expect.poll(async () => (await client.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')
    const batch = await client.submitMany({ kind: 'echo', key: 'openapi' }, ['a', 'b', 'c'])
    for await (const result of client.results(batch.key)) expect(result.state).toBe('succeeded')
    const done = batch.ids[0] as string
    const long = (await client.submit({ kind: 'sleep', input: '600000' })).ids[0] as string
    const url = (await client.status()).api as string
    const token = (await readFile(`${owner.config.dataDir}/api.token`, 'utf8')).trim()

    // One call of each documented operation; a route added to the document needs one here.
    const calls: Record<string, { path: string, body?: unknown, raw?: Uint8Array }> = {
      'get /v1/status': { path: '/v1/status' },
      'get /v1/peers': { path: '/v1/peers' },
      'post /v1/peers': { path: '/v1/peers', body: { addr: addrOf(worker) } },
      'get /metrics': { path: '/metrics' },
      'get /v1/openapi.json': { path: '/v1/openapi.json' },
      'get /': { path: '/' },
      'get /dashboard/app.js': { path: '/dashboard/app.js' },
      'get /dashboard/style.css': { path: '/dashboard/style.css' },
      'get /v1/reputation': { path: '/v1/reputation' },
      'get /v1/timeline': { path: '/v1/timeline' },
      'get /v1/events': { path: '/v1/events' },
      'post /v1/tasks': { path: '/v1/tasks', body: { kind: 'echo', input: 'one more' } },
      'get /v1/tasks': { path: '/v1/tasks?limit=2' },
      'post /v1/blobs': { path: '/v1/blobs', raw: new TextEncoder().encode('some bytes') },
      'get /v1/tasks/stats': { path: '/v1/tasks/stats' },
      'get /v1/tasks/{id}': { path: `/v1/tasks/${done}` },
      'get /v1/tasks/{id}/result': { path: `/v1/tasks/${done}/result` },
      'get /v1/tasks/{id}/logs': { path: `/v1/tasks/${done}/logs` },
      'post /v1/tasks/{id}/cancel': { path: `/v1/tasks/${long}/cancel`, body: {} },
      'get /v1/batches/{key}': { path: '/v1/batches/openapi' },
      'get /v1/batches/{key}/results': { path: '/v1/batches/openapi/results' },
      'post /v1/batches/{key}/cancel': { path: '/v1/batches/openapi/cancel', body: {} }
    }
    expect(Object.keys(calls).sort()).toEqual(documented)
    for (const [operation, call] of Object.entries(calls)) {
      const method = operation.split(' ')[0]?.toUpperCase() as string
      const headers: Record<string, string> = { authorization: `Bearer ${token}` }
      if (call.body != null) headers['content-type'] = 'application/json'
      if (call.raw != null) headers['content-type'] = 'application/octet-stream'
      const response = await fetch(`${url}${call.path}`, { method, headers, ...(call.body != null ? { body: JSON.stringify(call.body) } : call.raw != null ? { body: call.raw } : {}) })
      expect(response.status, operation).toBe(200)
      const [, path] = operation.split(' ') as [string, string]
      const content = paths[path]?.[operation.split(' ')[0] as string]?.responses['200']?.content ?? {}
      const type = Object.keys(content)[0] as string
      expect(response.headers.get('content-type') ?? '', operation).toContain(type)
      if (type !== 'application/json') {
        // An event stream stays open: its first event is checked by events.test.ts.
        await response.body?.cancel()
        continue
      }
      const validate = validator(operation, 200)
      const body = await response.json() as unknown
      expect(validate(body), `${operation}: ${JSON.stringify(validate.errors)}`).toBe(true)
    }

    // Errors are the documented Error body: unknown task, no token.
    const missing = await fetch(`${url}/v1/tasks/${'0'.repeat(64)}`, { headers: { authorization: `Bearer ${token}` } })
    expect(missing.status).toBe(404)
    const validate404 = validator('get /v1/tasks/{id}', 404)
    expect(validate404(await missing.json())).toBe(true)
    const anonymous = await fetch(`${url}/v1/tasks`)
    expect(anonymous.status).toBe(401)
    const validate401 = validator('get /v1/tasks', 401)
    expect(validate401(await anonymous.json())).toBe(true)
  }, 120_000)
})
