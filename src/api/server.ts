import { LIMITS } from '../gossip/wire/limits.js'
import type { AttemptRecord } from '../tasks/lifecycle.js'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { MeshError, errorMessage, isMeshError, type MeshErrorCode } from '../errors.js'
import { isLoopbackHost } from '../node/config.js'
import type { Logger } from '../logger.js'
import type { AddressInfo } from 'node:net'

/** What the API needs from a node: nothing more. */
export interface ApiNode {
  status: () => unknown
  peers: () => Promise<unknown>
  dial: (addr: string) => Promise<unknown>
  metricsText: () => Promise<string>
  /** This node's reputation table: [{peerId, score, state, verified, counts}], lowest score first. */
  reputation: () => unknown
  tasks: ApiTasks
}

/** The task operations the API exposes (the owner side of the node). */
export interface ApiTasks {
  submit: (request: unknown) => Promise<string[]>
  list: (state?: string) => unknown
  stats: () => unknown
  get: (id: string) => unknown
  output: (id: string) => Uint8Array
  cancel: (id: string) => unknown
  logs: (id: string) => { id: string, attempts: AttemptRecord[] }
}

/** A handler's answer that is sent as it is rather than as JSON. */
export class RawBody {
  constructor (readonly contentType: string, readonly body: string | Uint8Array) {}
}

export interface ApiServerInit {
  node: ApiNode
  host: string
  port: number
  logger: Logger
  /** Bearer token for requests that change anything; a fresh random one by default. */
  token?: string
}

/** Enough for a submission's input and wasm module (each up to the blob limit) as base64, with room to spare. Read only after the token check. */
export const MAX_BODY_BYTES = Math.ceil(2 * LIMITS.blobBytes * 4 / 3) + 1024 * 1024

type Handler = (ctx: { body: unknown, params: Record<string, string>, query: URLSearchParams }) => Promise<unknown>

interface Route {
  handler: Handler
  /** Mutating routes need the bearer token. */
  mutates: boolean
}

class HttpError extends Error {
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

async function readJsonBody (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'BODY_TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'request body is not valid JSON')
  }
}

function statusFor (code: MeshErrorCode): number {
  if (code === 'BAD_REQUEST') return 400
  if (code === 'NOT_FOUND') return 404
  if (code === 'CONFLICT') return 409
  if (code === 'DIAL_FAILED') return 502
  return 500
}

function tokensEqual (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The control API: JSON over HTTP on loopback. Reads are open to local processes; anything
 * that changes state needs `Authorization: Bearer <token>`. The Host header must name a
 * loopback host, so a web page cannot reach the API through DNS rebinding.
 */
export class ApiServer {
  readonly token: string
  private readonly init: ApiServerInit
  private readonly routes: Map<string, Route>
  private server?: Server
  private starting?: Promise<void>
  private address?: AddressInfo

  constructor (init: ApiServerInit) {
    this.init = init
    this.token = init.token ?? randomBytes(32).toString('hex')
    const { node } = init
    this.routes = new Map<string, Route>([
      ['GET /v1/status', { mutates: false, handler: async () => node.status() }],
      ['GET /v1/peers', { mutates: false, handler: async () => await node.peers() }],
      ['GET /v1/reputation', { mutates: false, handler: async () => node.reputation() }],
      ['GET /metrics', { mutates: false, handler: async () => new RawBody('text/plain; version=0.0.4; charset=utf-8', await node.metricsText()) }],
      ['POST /v1/tasks', { mutates: true, handler: async ({ body }) => { const ids = await node.tasks.submit(body); return { ids, ...(ids.length === 1 ? { id: ids[0] } : {}) } } }],
      ['GET /v1/tasks', { mutates: false, handler: async ({ query }) => node.tasks.list(query.get('state') ?? undefined) }],
      ['GET /v1/tasks/stats', { mutates: false, handler: async () => node.tasks.stats() }],
      ['GET /v1/tasks/:id', { mutates: false, handler: async ({ params }) => node.tasks.get(params.id ?? '') }],
      ['GET /v1/tasks/:id/result', { mutates: false, handler: async ({ params }) => new RawBody('application/octet-stream', node.tasks.output(params.id ?? '')) }],
      ['GET /v1/tasks/:id/logs', { mutates: false, handler: async ({ params }) => node.tasks.logs(params.id ?? '') }],
      ['POST /v1/tasks/:id/cancel', { mutates: true, handler: async ({ params }) => node.tasks.cancel(params.id ?? '') }],
      ['POST /v1/peers', {
        mutates: true,
        handler: async ({ body }) => {
          const addr = (body as { addr?: unknown } | null)?.addr
          if (typeof addr !== 'string' || addr === '') throw new HttpError(400, 'BAD_REQUEST', 'body must be {"addr": "<multiaddr>"}')
          return await node.dial(addr)
        }
      }]
    ])
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
      this.send(res, 200, result)
    } catch (err) {
      if (err instanceof HttpError) {
        this.send(res, err.status, { error: { code: err.code, message: err.message } })
      } else if (isMeshError(err)) {
        this.send(res, statusFor(err.code), { error: { code: err.code, message: err.message } })
      } else {
        this.init.logger.error({ err, url: req.url }, 'API request failed')
        this.send(res, 500, { error: { code: 'INTERNAL', message: errorMessage(err) } })
      }
    }
  }

  private async dispatch (req: IncomingMessage): Promise<unknown> {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
    if (!isLoopbackHost(host)) {
      throw new HttpError(403, 'FORBIDDEN_HOST', 'the API answers only requests addressed to a loopback host')
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    const { route, params } = this.match(req.method ?? 'GET', path)
    if (route == null) {
      const known = (['GET', 'POST', 'PUT', 'DELETE'] as const).some(method => this.match(method, path).route != null)
      throw known
        ? new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${path}`)
        : new HttpError(404, 'NOT_FOUND', `no such endpoint: ${path}`)
    }
    if (route.mutates) {
      const header = req.headers.authorization ?? ''
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : ''
      if (!tokensEqual(given, this.token)) {
        throw new HttpError(401, 'UNAUTHORIZED', 'this request needs Authorization: Bearer <token> (see api.json in the data dir)')
      }
    }
    const body = req.method === 'GET' || req.method === 'HEAD' ? {} : await readJsonBody(req)
    return await route.handler({ body, params, query: url.searchParams })
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
      if (routeParts.every((part, i) => part.startsWith(':') ? (params[part.slice(1)] = decodeURIComponent(parts[i] ?? '')) !== '' : part === parts[i])) return { route, params }
    }
    return { params: {} }
  }

  private send (res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return
    const [contentType, text] = body instanceof RawBody ? [body.contentType, body.body] : ['application/json; charset=utf-8', JSON.stringify(body)]
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' })
    res.end(text)
  }
}
