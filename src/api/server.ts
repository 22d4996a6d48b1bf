import { LIMITS } from '../gossip/wire/limits.js'
import type { AttemptRecord } from '../tasks/lifecycle.js'
import { readFile } from 'node:fs/promises'
import { projectFile } from '../tasks/exec/worker-files.js'
import { OPENAPI } from './openapi.js'
import type { Timeline } from '../node/timeline.js'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { z } from 'zod'
import { MeshError, errorMessage } from '../errors.js'
import { isLoopbackHost } from '../node/config.js'
import type { Logger } from '../logger.js'
import type { AddressInfo } from 'node:net'
import { BATCH_LIMITS, isBatchRequest } from '../tasks/batch-submission.js'
import { checkBodyHeaders, KiB, MiB, ndjsonLimits, readBody, readJsonBody, readNdjson, type BodySpec } from './body.js'
import { ApiError, errorReply } from './errors.js'
import { TokenFile } from './token.js'

/** What the API needs from a node: nothing more. */
export interface ApiNode {
  status: () => unknown
  peers: () => Promise<unknown>
  dial: (addr: string) => Promise<unknown>
  metricsText: () => Promise<string>
  /** This node's reputation table: [{peerId, score, state, verified, counts}], lowest score first. */
  reputation: () => unknown
  tasks: ApiTasks
  /** The last hour a sample a second, and each new sample as it is taken (GET /v1/timeline, /v1/events). */
  timeline: Pick<Timeline, 'history' | 'subscribe'>
}

/** Bytes written to the store as they arrive (an upload); see TaskStore.blobWriter. */
export interface BlobUpload {
  write: (bytes: Uint8Array) => void
  finish: () => { hash: string, size: number }
  abort: () => void
}

/** An NDJSON body, read a line at a time (see readNdjson). */
export type LineSource = (onLine: (value: unknown, line: number) => void) => Promise<void>

/** A query's page: the items, and the cursor of the next page when there may be one. */
export interface Page {
  items: unknown[]
  next?: string
}

/** The task operations the API exposes (the owner side of the node). */
export interface ApiTasks {
  /** One input (`count` copies). */
  submit: (request: unknown) => Promise<string[]>
  /** A batch as JSON: its options with `inputs`, one per task. */
  submitBatch: (request: { inputs: unknown }) => Promise<{ ids: string[], key: string }>
  /** A batch as NDJSON: its options on the first line, one input per line after it. */
  submitLines: (lines: LineSource) => Promise<{ ids: string[], key: string }>
  /** Starts an upload of an input or a module, named in a submission by its hash. */
  upload: () => BlobUpload
  /** The newest tasks (at most 1000), as an array. */
  list: (state?: string) => unknown
  /** A page of tasks: newest first, or a batch's in index order (`key`); `next` goes on from it. */
  page: (query: { state?: string, key?: string, cursor?: string, limit?: string }) => Page
  /** A batch by its key: counts by state, and whether it is being cancelled. */
  batch: (key: string) => unknown
  /** A batch's tasks finished since a cursor, with their outputs. */
  batchResults: (key: string, query: { since?: string, limit?: string }) => unknown
  /** Starts cancelling every unfinished task of a batch. */
  cancelBatch: (key: string) => unknown
  stats: () => unknown
  /** Tasks this node owns that have not finished (in memory and parked in the store): a count kept in memory, not a query. */
  unfinished: () => number
  /** Why tasks like this one may wait: no live peer runs its kind, or fewer than its redundancy do (said at submit). */
  capacityWarning: (id: string) => string | undefined
  get: (id: string) => unknown
  output: (id: string) => Uint8Array
  cancel: (id: string) => unknown
  logs: (id: string) => { id: string, attempts: AttemptRecord[] }
}

/** A handler's JSON answer with headers of its own. */
export class JsonReply {
  constructor (readonly body: unknown, readonly headers: Record<string, string>) {}
}

/**
 * A handler's answer that stays open: server-sent events, one `data:` line of JSON per event.
 * `subscribe` starts the events and returns how to stop them (when the client goes away).
 */
export class EventStream {
  constructor (readonly subscribe: (send: (event: unknown) => void) => () => void) {}
}

/** Event streams open at once at most: each holds a connection and a subscription. */
export const MAX_EVENT_STREAMS = 8

/** A handler's answer that is sent as it is rather than as JSON. */
export class RawBody {
  constructor (readonly contentType: string, readonly body: string | Uint8Array, readonly headers: Record<string, string> = {}) {}
}

export interface ApiServerInit {
  node: ApiNode
  host: string
  port: number
  logger: Logger
  /** The data dir whose api.token requests must carry (read again when it changes: a rotation takes effect at once). */
  dataDir?: string
  /** A fixed bearer token instead (without dataDir: a fresh random one). */
  token?: string
}

/** A submission as JSON: room for an inline input or module up to ~750 KiB in base64; larger ones are uploaded to POST /v1/blobs. */
export const MAX_JSON_BODY_BYTES = 1 * MiB
/** A batch as NDJSON: the options line and one line per task, each line and the whole bounded (every input is held until the batch is stored). */
export const NDJSON_SUBMIT_LIMITS = { lineBytes: BATCH_LIMITS.lineBytes, lines: BATCH_LIMITS.tasks + 1, limit: BATCH_LIMITS.streamBytes }
/** An upload (raw bytes): up to the blob limit of inputs and modules. */
export const MAX_UPLOAD_BYTES = LIMITS.blobBytes

type Handler = (ctx: {
  body: unknown
  read: (onBytes: (bytes: Uint8Array) => void) => Promise<void>
  /** Present when the request is NDJSON (a route with `ndjson` limits). */
  lines?: LineSource
  params: Record<string, string>
  query: URLSearchParams
}) => Promise<unknown>

interface Route {
  handler: Handler
  body: BodySpec
  /** Open to any local process (health and monitoring); every other route needs the bearer token. */
  open?: true
}

const NO_BODY: BodySpec = { type: 'none' }
const SMALL_JSON: BodySpec = { type: 'json', limit: 4 * KiB }

const dialSchema = z.object({ addr: z.string().min(1) })

function decodeSegment (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new ApiError('BAD_PATH', `"${segment.slice(0, 64)}" is not a valid percent-encoded path segment`)
  }
}

/** The named query parameters that are present. */
function queryOf<K extends string> (query: URLSearchParams, names: K[]): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {}
  for (const name of names) {
    const value = query.get(name)
    if (value != null) picked[name] = value
  }
  return picked
}

function tokensEqual (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The control API: JSON over HTTP on loopback. Status, peers and metrics are open to local
 * processes; everything else (task data included: another local user must not read inputs,
 * results or logs) needs `Authorization: Bearer <token>`, the token in the data dir's api.token.
 * The Host header must name a loopback host, so a web page cannot reach the API through DNS
 * rebinding. Each route takes one kind of body up to its own limit (413 beyond it).
 */
export class ApiServer {
  private readonly init: ApiServerInit
  private readonly tokens: { token: () => Promise<string>, cached: string | undefined }
  private readonly routes: Map<string, Route>
  /** Event streams open now (GET /v1/events). */
  private streams = 0
  private server?: Server
  private starting?: Promise<void>
  private address?: AddressInfo

  constructor (init: ApiServerInit) {
    this.init = init
    if (init.dataDir != null && init.token == null) {
      this.tokens = new TokenFile(init.dataDir)
    } else {
      const fixed = init.token ?? randomBytes(32).toString('hex')
      this.tokens = { token: async () => fixed, cached: fixed }
    }
    const { node } = init
    this.routes = new Map<string, Route>([
      ['GET /v1/status', { open: true, body: NO_BODY, handler: async () => node.status() }],
      ['GET /v1/peers', { open: true, body: NO_BODY, handler: async () => await node.peers() }],
      ['GET /metrics', { open: true, body: NO_BODY, handler: async () => new RawBody('text/plain; version=0.0.4; charset=utf-8', await node.metricsText()) }],
      ['GET /v1/openapi.json', { open: true, body: NO_BODY, handler: async () => OPENAPI }],
      // The dashboard (dashboard/ in the package): static files, open like status and peers; the
      // page asks for the token before it reads anything else.
      ['GET /', { open: true, body: NO_BODY, handler: async () => await dashboardFile('index.html') }],
      ['GET /dashboard/app.js', { open: true, body: NO_BODY, handler: async () => await dashboardFile('app.js') }],
      ['GET /dashboard/style.css', { open: true, body: NO_BODY, handler: async () => await dashboardFile('style.css') }],
      ['GET /v1/timeline', { body: NO_BODY, handler: async () => ({ intervalMs: 1000, samples: node.timeline.history() }) }],
      ['GET /v1/events', {
        body: NO_BODY,
        handler: async () => {
          if (this.streams >= MAX_EVENT_STREAMS) throw new ApiError('TOO_MANY_STREAMS', `${MAX_EVENT_STREAMS} event streams are open; close one`)
          // Each second: the new sample, and what the page shows at the top (status) and in its peers table.
          return new EventStream(send => node.timeline.subscribe(sample => {
            void node.peers().then(peers => { send({ sample, status: node.status(), peers }) }, () => {})
          }))
        }
      }],
      ['GET /v1/reputation', { body: NO_BODY, handler: async () => node.reputation() }],
      ['POST /v1/tasks', {
        body: { type: 'json', limit: MAX_JSON_BODY_BYTES, ndjson: NDJSON_SUBMIT_LIMITS },
        handler: async ({ body, lines }) => {
          const { ids, key } = lines != null
            ? await node.tasks.submitLines(lines)
            : isBatchRequest(body) ? await node.tasks.submitBatch(body) : { ids: await node.tasks.submit(body), key: undefined }
          // Tasks of one submission share a kind and a redundancy: one warning says it for all.
          const warning = ids[0] != null ? node.tasks.capacityWarning(ids[0]) : undefined
          return { ids, ...(ids.length === 1 ? { id: ids[0] } : {}), ...(key != null ? { key } : {}), ...(warning != null ? { warning } : {}) }
        }
      }],
      ['POST /v1/blobs', {
        body: { type: 'raw', limit: MAX_UPLOAD_BYTES },
        handler: async ({ read }) => {
          const upload = node.tasks.upload()
          try {
            await read(bytes => { upload.write(bytes) })
          } catch (err) {
            upload.abort()
            throw err
          }
          return upload.finish()
        }
      }],
      ['GET /v1/tasks', {
        body: NO_BODY,
        handler: async ({ query }) => {
          const page = node.tasks.page(queryOf(query, ['state', 'key', 'cursor', 'limit']))
          return new JsonReply(page.items, page.next != null ? { 'next-cursor': page.next } : {})
        }
      }],
      ['GET /v1/batches/:key', { body: NO_BODY, handler: async ({ params }) => node.tasks.batch(params.key ?? '') }],
      ['GET /v1/batches/:key/results', { body: NO_BODY, handler: async ({ params, query }) => node.tasks.batchResults(params.key ?? '', queryOf(query, ['since', 'limit'])) }],
      ['POST /v1/batches/:key/cancel', { body: SMALL_JSON, handler: async ({ params }) => node.tasks.cancelBatch(params.key ?? '') }],
      ['GET /v1/tasks/stats', { body: NO_BODY, handler: async () => node.tasks.stats() }],
      ['GET /v1/tasks/:id', { body: NO_BODY, handler: async ({ params }) => node.tasks.get(params.id ?? '') }],
      ['GET /v1/tasks/:id/result', { body: NO_BODY, handler: async ({ params }) => new RawBody('application/octet-stream', node.tasks.output(params.id ?? '')) }],
      ['GET /v1/tasks/:id/logs', { body: NO_BODY, handler: async ({ params }) => node.tasks.logs(params.id ?? '') }],
      ['POST /v1/tasks/:id/cancel', { body: SMALL_JSON, handler: async ({ params }) => node.tasks.cancel(params.id ?? '') }],
      ['POST /v1/peers', {
        body: SMALL_JSON,
        handler: async ({ body }) => {
          const parsed = dialSchema.safeParse(body)
          if (!parsed.success) throw new ApiError('BAD_REQUEST', 'body must be {"addr": "<multiaddr>"}')
          return await node.dial(parsed.data.addr)
        }
      }]
    ])
  }

  /** Every route, as "METHOD /path" with `:name` segments (the OpenAPI test checks each is documented). */
  routeKeys (): string[] {
    return [...this.routes.keys()]
  }

  /** The token requests need (the data dir's, as last read). */
  get token (): string {
    const token = this.tokens.cached
    if (token == null) throw new MeshError('NOT_STARTED', 'API server is not started')
    return token
  }

  get url (): string {
    if (this.address == null) throw new MeshError('NOT_STARTED', 'API server is not listening')
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address
    return `http://${host}:${this.address.port}`
  }

  /** The bound address, for checks that the API listens where it should. */
  get boundAddress (): AddressInfo | undefined {
    return this.address
  }

  async start (): Promise<void> {
    this.starting ??= this.listen().catch(err => {
      this.starting = undefined
      throw err
    })
    await this.starting
  }

  async stop (): Promise<void> {
    const starting = this.starting
    if (starting == null) return
    this.starting = undefined
    await starting.catch(() => {})
    const server = this.server
    this.server = undefined
    if (server == null) return
    await new Promise<void>(resolve => {
      server.close(() => { resolve() })
      server.closeAllConnections()
    })
  }

  private async listen (): Promise<void> {
    await this.tokens.token()
    const server = createServer((req, res) => { void this.handle(req, res) })
    server.headersTimeout = 10_000
    server.requestTimeout = 30_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.port, this.init.host, () => {
        server.off('error', reject)
        resolve()
      })
    }).catch(err => {
      throw new MeshError('LISTEN_FAILED', `cannot listen for the API on ${this.init.host}:${this.init.port}: ${errorMessage(err)}`)
    })
    server.on('error', err => { this.init.logger.error({ err }, 'API server error') })
    this.server = server
    this.address = server.address() as AddressInfo
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const result = await this.dispatch(req)
      if (result instanceof EventStream) {
        this.stream(req, res, result)
        return
      }
      this.send(res, 200, result)
    } catch (err) {
      const reply = errorReply(err)
      if (reply != null) {
        this.send(res, reply.status, reply.body)
      } else {
        this.init.logger.error({ err, url: req.url }, 'API request failed')
        this.send(res, 500, { error: { code: 'INTERNAL', message: 'internal error (see the node\'s log)' } })
      }
    }
  }

  private async dispatch (req: IncomingMessage): Promise<unknown> {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
    if (!isLoopbackHost(host)) {
      throw new ApiError('FORBIDDEN_HOST', 'the API answers only requests addressed to a loopback host')
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      throw new ApiError('BAD_PATH', 'the request path is not a URL path')
    }
    const path = url.pathname
    const { route, params } = this.match(req.method ?? 'GET', path)
    if (route == null) {
      const known = (['GET', 'POST', 'PUT', 'DELETE'] as const).some(method => this.match(method, path).route != null)
      throw known
        ? new ApiError('METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${path}`)
        : new ApiError('NOT_FOUND', `no such endpoint: ${path}`)
    }
    if (route.open !== true) {
      const header = req.headers.authorization ?? ''
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : ''
      if (!tokensEqual(given, await this.tokens.token())) {
        throw new ApiError('UNAUTHORIZED', 'this request needs Authorization: Bearer <token> (the token is in api.token in the data dir; "mesh-node token" prints it)')
      }
    }
    checkBodyHeaders(req, route.body)
    const ndjson = ndjsonLimits(req, route.body)
    const body = route.body.type === 'json' && ndjson == null ? await readJsonBody(req, route.body.limit) : {}
    const limit = route.body.type === 'raw' ? route.body.limit : 0
    return await route.handler({
      body,
      read: async onBytes => { await readBody(req, limit, onBytes) },
      ...(ndjson != null ? { lines: async (onLine: (value: unknown, line: number) => void) => { await readNdjson(req, ndjson, onLine) } } : {}),
      params,
      query: url.searchParams
    })
  }

  /** Exact routes first, then patterns with `:name` segments. */
  private match (method: string, path: string): { route?: Route, params: Record<string, string> } {
    const exact = this.routes.get(`${method} ${path}`)
    if (exact != null) return { route: exact, params: {} }
    const parts = path.split('/')
    for (const [key, route] of this.routes) {
      const [routeMethod, pattern] = key.split(' ') as [string, string]
      const routeParts = pattern.split('/')
      if (routeMethod !== method || routeParts.length !== parts.length || !pattern.includes(':')) continue
      const params: Record<string, string> = {}
      if (routeParts.every((part, i) => part.startsWith(':') ? (params[part.slice(1)] = decodeSegment(parts[i] ?? '')) !== '' : part === parts[i])) return { route, params }
    }
    return { params: {} }
  }

  /** Server-sent events until the client goes away (or the server stops): `data: <json>` a line each. */
  private stream (req: IncomingMessage, res: ServerResponse, events: EventStream): void {
    this.streams++
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
    // A comment first, so the client sees the stream open before the first event.
    res.write(': mesh-node events\n\n')
    const stop = events.subscribe(event => { if (!res.writableEnded) res.write(`data: ${JSON.stringify(event)}\n\n`) })
    let closed = false
    const close = (): void => {
      if (closed) return
      closed = true
      this.streams--
      stop()
    }
    req.once('close', close)
    res.once('close', close)
  }

  private send (res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return
    const [contentType, text] = body instanceof RawBody ? [body.contentType, body.body] : ['application/json; charset=utf-8', JSON.stringify(body instanceof JsonReply ? body.body : body)]
    res.writeHead(status, { ...(body instanceof JsonReply || body instanceof RawBody ? body.headers : {}), 'content-type': contentType, 'cache-control': 'no-store' })
    res.end(text)
  }
}

const DASHBOARD_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8'
}

/** The page may load only its own files and talk only to this API; nothing from elsewhere. */
const DASHBOARD_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer'
}

const dashboardFiles = new Map<string, Promise<string>>()

/** A file of the dashboard, read once. */
async function dashboardFile (name: string): Promise<RawBody> {
  let text = dashboardFiles.get(name)
  if (text == null) {
    text = readFile(projectFile(`dashboard/${name}`), 'utf8')
    text.catch(() => { dashboardFiles.delete(name) })
    dashboardFiles.set(name, text)
  }
  return new RawBody(DASHBOARD_TYPES[name] ?? 'application/octet-stream', await text, DASHBOARD_HEADERS)
}
