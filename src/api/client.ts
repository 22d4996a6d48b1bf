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

  private async request<T> (method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {}
    if (this.token != null) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new MeshError('API_ERROR', `the node at ${this.url} did not answer within ${this.timeoutMs / 1000} s`, { url: this.url })
      }
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err)
      throw new MeshError('NODE_UNREACHABLE', `cannot reach the node at ${this.url} (${cause}); is it running?`, { url: this.url })
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new MeshError('API_ERROR', `the node at ${this.url} answered ${response.status} with a body that is not JSON`, { status: response.status })
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string, message?: string } } | undefined)?.error
      const message = error?.message ?? `HTTP ${response.status}`
      const code = response.status === 401 ? 'API_UNAUTHORIZED' : response.status === 400 ? 'BAD_REQUEST' : 'API_ERROR'
      throw new MeshError(code, message, { status: response.status, code: error?.code })
    }
    return parsed as T
  }
}
