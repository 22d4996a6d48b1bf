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
    const response = await this.fetch('GET', path)
    const body = await this.parse<T>(response, await response.text())
    const next = response.headers.get('next-cursor')
    return { body, ...(next != null ? { next } : {}) }
  }

  /**
   * NDJSON (one JSON value per line) streamed from `lines` as the request is sent, so the body
   * is never whole in memory; `timeoutMs` bounds the whole request.
   */
  async postLines<T> (path: string, lines: Iterable<string>, timeoutMs: number): Promise<T> {
    const iterator = lines[Symbol.iterator]()
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      pull: controller => {
        // About 256 KiB per chunk: few chunks, little held at once.
        let chunk = ''
        while (chunk.length < 256 * 1024) {
          const next = iterator.next()
          if (next.done === true) {
            if (chunk !== '') controller.enqueue(encoder.encode(chunk))
            controller.close()
            return
          }
          chunk += next.value + '\n'
        }
        controller.enqueue(encoder.encode(chunk))
      }
    })
    const response = await this.fetch('POST', path, body, timeoutMs)
    return await this.parse<T>(response, await response.text())
  }

  /** A raw body (for task results): bytes as the node sent them. */
  async getBytes (path: string): Promise<Uint8Array> {
    const response = await this.fetch('GET', path)
    if (response.ok) return new Uint8Array(await response.arrayBuffer())
    throw this.failure(response, await response.text())
  }

  private async request<T> (method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body)
    return await this.parse<T>(response, await response.text())
  }

  private async parse<T> (response: Response, text: string): Promise<T> {
    if (!response.ok) throw this.failure(response, text)
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T
    } catch {
      throw new MeshError('API_ERROR', `the node at ${this.url} answered ${response.status} with a body that is not JSON`, { status: response.status })
    }
  }

  private failure (response: Response, text: string): MeshError {
    let error: { code?: string, message?: string } | undefined
    try {
      error = (JSON.parse(text) as { error?: { code?: string, message?: string } }).error
    } catch {}
    const message = error?.message ?? `HTTP ${response.status}`
    const code = response.status === 401 ? 'API_UNAUTHORIZED' : response.status === 400 ? 'BAD_REQUEST' : response.status === 404 ? 'NOT_FOUND' : 'API_ERROR'
    return new MeshError(code, message, { status: response.status, code: error?.code })
  }

  private async fetch (method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<Response> {
    const headers: Record<string, string> = {}
    if (this.token != null) headers.authorization = `Bearer ${this.token}`
    const raw = body instanceof Uint8Array
    const stream = body instanceof ReadableStream
    if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : stream ? 'application/x-ndjson' : 'application/json'
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: raw || stream ? body : JSON.stringify(body) } : {}),
        // A streamed body is sent as it is read (undici requires saying so).
        ...(stream ? { duplex: 'half' } : {}),
        signal: AbortSignal.timeout(timeoutMs)
      } as RequestInit)
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new MeshError('API_ERROR', `the node at ${this.url} did not answer within ${timeoutMs / 1000} s`, { url: this.url })
      }
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err)
      throw new MeshError('NODE_UNREACHABLE', `cannot reach the node at ${this.url} (${cause}); is it running?`, { url: this.url })
    }
  }
}
