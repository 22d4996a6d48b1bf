import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http'
import { MeshError, errorMessage } from '../errors.js'

export interface ApiClientInit {
  url: string
  token?: string
  /** Per-request bound; a node that does not answer in time counts as unreachable. */
  timeoutMs?: number
}

/** The CLI's way to the node's control API. Every failure is a MeshError with one-line message. */
export class ApiClient {
  private readonly url: string
  private readonly token?: string
  private readonly timeoutMs: number

  /** Longer than the node's own bounds (a dial takes up to 10 s), so the node answers first. */
  constructor ({ url, token, timeoutMs = 20_000 }: ApiClientInit) {
    this.url = url.replace(/\/+$/, '')
    if (token != null) this.token = token
    this.timeoutMs = timeoutMs
  }

  /** The API's address (http://host:port). */
  get baseUrl (): string {
    return this.url
  }

  async get<T> (path: string): Promise<T> {
    return await this.request<T>('GET', path)
  }

  async post<T> (path: string, body: unknown): Promise<T> {
    return await this.request<T>('POST', path, body)
  }

  /** Bytes as the body (an upload: application/octet-stream), a JSON answer. */
  async postBytes<T> (path: string, bytes: Uint8Array): Promise<T> {
    return await this.request<T>('POST', path, bytes)
  }

  /** A JSON answer and the cursor of the next page (the Next-Cursor header), if any. */
  async getPage<T> (path: string): Promise<{ body: T, next?: string }> {
    const response = await this.send('GET', path)
    const body = this.parse<T>(response)
    const next = response.headers['next-cursor']
    return { body, ...(typeof next === 'string' ? { next } : {}) }
  }

  /**
   * NDJSON (one JSON value per line) streamed from `lines` as the request is sent, so the body
   * is never whole in memory; `timeoutMs` bounds the whole request.
   */
  async postLines<T> (path: string, lines: Iterable<string>, timeoutMs: number): Promise<T> {
    return this.parse<T>(await this.send('POST', path, { lines }, timeoutMs))
  }

  /** A raw body (for task results): bytes as the node sent them. */
  async getBytes (path: string): Promise<Uint8Array> {
    const response = await this.send('GET', path)
    if (response.status >= 200 && response.status < 300) return new Uint8Array(response.body)
    throw this.failure(response)
  }

  private async request<T> (method: string, path: string, body?: unknown): Promise<T> {
    const sent = body === undefined ? undefined : body instanceof Uint8Array ? { bytes: body } : { json: body }
    return this.parse<T>(await this.send(method, path, sent))
  }

  private parse<T> (response: RawResponse): T {
    if (response.status < 200 || response.status >= 300) throw this.failure(response)
    const text = response.body.toString('utf8')
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T
    } catch {
      throw new MeshError('API_ERROR', `the node at ${this.url} answered ${response.status} with a body that is not JSON`, { status: response.status })
    }
  }

  private failure (response: RawResponse): MeshError {
    let error: { code?: string, message?: string } | undefined
    try {
      error = (JSON.parse(response.body.toString('utf8')) as { error?: { code?: string, message?: string } }).error
    } catch {}
    const message = error?.message ?? `HTTP ${response.status}`
    const code = response.status === 401 ? 'API_UNAUTHORIZED' : response.status === 400 ? 'BAD_REQUEST' : response.status === 404 ? 'NOT_FOUND' : 'API_ERROR'
    return new MeshError(code, message, { status: response.status, code: error?.code })
  }

  /**
   * One HTTP request over node:http (a CLI call pays ≈ 30 ms more to load fetch's undici), its
   * whole answer read. `timeoutMs` bounds it all; a connection that fails is NODE_UNREACHABLE.
   */
  private async send (method: string, path: string, body?: RequestBody, timeoutMs = this.timeoutMs): Promise<RawResponse> {
    const headers: Record<string, string> = {}
    if (this.token != null) headers.authorization = `Bearer ${this.token}`
    let payload: Buffer | undefined
    if (body != null && 'json' in body) {
      payload = Buffer.from(JSON.stringify(body.json))
      headers['content-type'] = 'application/json'
    } else if (body != null && 'bytes' in body) {
      payload = Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength)
      headers['content-type'] = 'application/octet-stream'
    } else if (body != null) {
      headers['content-type'] = 'application/x-ndjson'
    }
    if (payload != null) headers['content-length'] = String(payload.byteLength)
    return await new Promise<RawResponse>((resolve, reject) => {
      let settled = false
      const fail = (err: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        request.destroy()
        reject(err)
      }
      const timer = setTimeout(() => {
        fail(new MeshError('API_ERROR', `the node at ${this.url} did not answer within ${timeoutMs / 1000} s`, { url: this.url }))
      }, timeoutMs)
      const request = httpRequest(`${this.url}${path}`, { method, headers }, response => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => { chunks.push(chunk) })
        response.on('error', fail)
        response.on('end', () => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })
        })
      })
      request.on('error', err => {
        const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err)
        fail(new MeshError('NODE_UNREACHABLE', `cannot reach the node at ${this.url} (${code}); is it running?`, { url: this.url }))
      })
      if (body != null && 'lines' in body) {
        void writeLines(request, body.lines).then(() => { request.end() }, fail)
      } else {
        request.end(payload)
      }
    })
  }
}

type RequestBody = { json: unknown } | { bytes: Uint8Array } | { lines: Iterable<string> }

interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** Writes `lines` in chunks of about 256 KiB, each after the socket took the last: little held at once. */
async function writeLines (request: ClientRequest, lines: Iterable<string>): Promise<void> {
  let chunk = ''
  for (const line of lines) {
    chunk += line + '\n'
    if (chunk.length < 256 * 1024) continue
    if (!request.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => { request.off('close', onClose); resolve() }
        const onClose = (): void => { request.off('drain', onDrain); reject(new Error('the connection closed')) }
        request.once('drain', onDrain)
        request.once('close', onClose)
      })
    }
    chunk = ''
  }
  if (chunk !== '') request.write(chunk)
}
