import { ApiClient } from './api/client.js'
import { readApiFile } from './api/api-file.js'
import { readApiToken } from './api/token.js'
import { defaultDataDir } from './node/config-values.js'
import { MeshError, isMeshError } from './errors.js'
import type { MeshNodeStatus, PeerSummary } from './node/mesh-node.js'
import type { BatchResult, BatchResultsPage } from './tasks/batch-api.js'
import type { AttemptRecord, TaskState } from './tasks/lifecycle.js'
import type { TaskView } from './tasks/view.js'

/**
 * `import { MeshClient } from 'mesh-node/client'`: a typed, promise-based client of a running
 * node's control API (README "Client library"). It loads neither libp2p nor SQLite (node:http
 * and a few files of this package), so a program that only submits work and reads results
 * stays small and starts fast. Every failure is a MeshError with the same code and one-line
 * message the CLI shows (NODE_UNREACHABLE, API_UNAUTHORIZED, BAD_REQUEST, NOT_FOUND, API_ERROR).
 */

export { MeshError, isMeshError }
export type { AttemptRecord, BatchResult, MeshNodeStatus, PeerSummary, TaskState, TaskView }

/** How tasks run: the options of `mesh-node submit` (docs/PROTOCOL.md has each one's bounds). */
export interface TaskOptions {
  kind: string
  /** Distinct workers that must agree on the output (default 1). */
  redundancy?: number
  timeoutMs?: number
  maxAttempts?: number
  priority?: number
  deadlineMs?: number
  /** CPU slots and memory one run reserves on its worker. */
  slots?: number
  memoryBytes?: number
  /** Idempotency key: the same key and inputs give the same ids; a batch is found, waited for and cancelled by it. */
  key?: string
  /** Kind "wasm": the WASI module. */
  module?: Uint8Array
}

export interface SubmitOptions extends TaskOptions {
  /** Text, or bytes (default empty). */
  input?: string | Uint8Array
  /** Tasks with this same input (default 1). */
  count?: number
}

export interface Submitted {
  ids: string[]
  /** The batch's key (submitMany always has one; submit only with `key`). */
  key?: string
  /** Set when the mesh has fewer capable peers than the tasks need (they wait for them). */
  warning?: string
}

/** A finished task of a batch: its place in the batch, its state, its output (text or bytes) or error. */
export interface TaskResult {
  index: number
  id: string
  state: TaskState
  output?: Uint8Array
  error: string | null
}

export interface ListOptions {
  state?: TaskState
  key?: string
  limit?: number
  /** The `next` of the previous page. */
  cursor?: string
}

export interface TaskPage {
  tasks: TaskView[]
  /** Pass as `cursor` for the next page; absent on the last. */
  next?: string
}

export interface ConnectOptions {
  /** The node's API, http://127.0.0.1:7373; else read from `dataDir`'s api.json. */
  url?: string
  /** The API token; else `dataDir`'s api.token (never sent to a `url` given here). */
  token?: string
  /** Default: MESH_DATA_DIR, else ~/.mesh-node. */
  dataDir?: string
  /** Per request (default 20 s). */
  timeoutMs?: number
}

/** Inputs and modules larger than this go raw through POST /v1/blobs (a JSON body is at most 1 MiB). */
const UPLOAD_OVER_BYTES = 512 * 1024
/** A batch of up to 100,000 inputs may take a while to store. */
const SUBMIT_TIMEOUT_MS = 300_000
/** Between two reads of a batch's results when nothing new finished. */
const POLL_MS = 250

export class MeshClient {
  /** The raw API (any route, as the CLI uses it). */
  readonly api: ApiClient

  constructor (options: { url: string, token?: string, timeoutMs?: number }) {
    this.api = new ApiClient(options)
  }

  /** A client of the node running on a data dir (its api.json and api.token), or at `url`. */
  static async connect (options: ConnectOptions = {}): Promise<MeshClient> {
    const timeout = options.timeoutMs != null ? { timeoutMs: options.timeoutMs } : {}
    if (options.url != null) return new MeshClient({ url: options.url, ...(options.token != null ? { token: options.token } : {}), ...timeout })
    const dataDir = options.dataDir ?? process.env.MESH_DATA_DIR ?? defaultDataDir()
    const { url } = await readApiFile(dataDir)
    const token = options.token ?? await readApiToken(dataDir)
    return new MeshClient({ url, ...(token != null ? { token } : {}), ...timeout })
  }

  async status (): Promise<MeshNodeStatus> {
    return await this.api.get<MeshNodeStatus>('/v1/status')
  }

  async peers (): Promise<PeerSummary[]> {
    return await this.api.get<PeerSummary[]>('/v1/peers')
  }

  /** One task (or `count` with the same input); resolves once the node has stored it. */
  async submit (options: SubmitOptions): Promise<Submitted> {
    const { input, module, ...rest } = options
    const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input ?? new Uint8Array()
    const request = {
      ...rest,
      ...(bytes.byteLength > UPLOAD_OVER_BYTES ? { inputBlob: await this.upload(bytes) } : { input: base64(bytes), inputEncoding: 'base64' }),
      ...(await this.moduleField(module))
    }
    return await this.api.post<Submitted>('/v1/tasks', request)
  }

  /**
   * A batch: one task per input, in order, streamed to the node as NDJSON (up to 100,000 inputs
   * of up to 1 MiB each); `ids[i]` is the task of `inputs[i]`. Without a `key` the node makes one.
   */
  async submitMany (options: TaskOptions, inputs: Iterable<string | Uint8Array>): Promise<Submitted & { key: string }> {
    const { module, ...rest } = options
    const head = JSON.stringify({ ...rest, ...(await this.moduleField(module)) })
    function * lines (): Generator<string> {
      yield head
      for (const input of inputs) yield JSON.stringify(typeof input === 'string' ? { input } : { inputBase64: base64(input) })
    }
    return await this.api.postLines<Submitted & { key: string }>('/v1/tasks', lines(), SUBMIT_TIMEOUT_MS)
  }

  /**
   * The results of a batch (by its key) in the order its tasks finish, each once, until all
   * have: for `await (const r of client.results(key))`. Reads only what finished since the last
   * read (GET /v1/batches/:key/results); an output too large for a page is fetched alone.
   */
  async * results (key: string): AsyncGenerator<TaskResult> {
    for await (const page of this.resultPages(key)) {
      for (const result of page) yield await this.resultOf(result)
    }
  }

  /** Each read of a batch's results: the results new since the last (possibly none), until all are in. */
  resultPages (key: string, pollMs: number = POLL_MS): AsyncGenerator<BatchResult[]> {
    return batchResultPages(this.api, key, pollMs)
  }

  async get (id: string): Promise<TaskView> {
    return await this.api.get<TaskView>(`/v1/tasks/${encodeURIComponent(id)}`)
  }

  /** One page of tasks, newest first; `next` for the following one. */
  async list (options: ListOptions = {}): Promise<TaskPage> {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(options)) if (value != null) query.set(name, String(value))
    const text = query.toString()
    const { body, next } = await this.api.getPage<TaskView[]>(`/v1/tasks${text === '' ? '' : `?${text}`}`)
    return { tasks: body, ...(next != null ? { next } : {}) }
  }

  /** A task's output (a succeeded task's bytes). */
  async output (id: string): Promise<Uint8Array> {
    return await this.api.getBytes(`/v1/tasks/${encodeURIComponent(id)}/result`)
  }

  async cancel (id: string): Promise<TaskView> {
    return await this.api.post<TaskView>(`/v1/tasks/${encodeURIComponent(id)}/cancel`, {})
  }

  /** Starts cancelling every unfinished task of a batch. */
  async cancelBatch (key: string): Promise<{ key: string, total: number, unfinished: number, cancelling: boolean }> {
    return await this.api.post<{ key: string, total: number, unfinished: number, cancelling: boolean }>(`/v1/batches/${encodeURIComponent(key)}/cancel`, {})
  }

  /** Each run of the task: its worker, outcome, exit code, error and the tail of its stderr. */
  async logs (id: string): Promise<{ id: string, attempts: AttemptRecord[] }> {
    return await this.api.get<{ id: string, attempts: AttemptRecord[] }>(`/v1/tasks/${encodeURIComponent(id)}/logs`)
  }

  private async upload (bytes: Uint8Array): Promise<string> {
    return (await this.api.postBytes<{ hash: string }>('/v1/blobs', bytes)).hash
  }

  private async moduleField (module: Uint8Array | undefined): Promise<{ module?: string, moduleBlob?: string }> {
    if (module == null) return {}
    return module.byteLength > UPLOAD_OVER_BYTES ? { moduleBlob: await this.upload(module) } : { module: base64(module) }
  }

  private async resultOf (result: BatchResult): Promise<TaskResult> {
    const { index, id, state, error } = result
    const output = result.outputSize != null
      ? await this.output(id)
      : result.output != null
        ? new TextEncoder().encode(result.output)
        : result.outputBase64 != null ? new Uint8Array(Buffer.from(result.outputBase64, 'base64')) : undefined
    return { index, id, state, error, ...(output != null ? { output } : {}) }
  }
}

/**
 * A batch's results as they finish: each read yields those new since the last (possibly none),
 * until all are in, waiting `pollMs` after a read that brought nothing (also `submit --wait`'s).
 */
export async function * batchResultPages (api: ApiClient, key: string, pollMs: number = POLL_MS): AsyncGenerator<BatchResult[]> {
  const path = `/v1/batches/${encodeURIComponent(key)}/results`
  const seen = new Set<number>()
  let since: string | undefined
  let total = Infinity
  while (seen.size < total) {
    const page = await api.get<BatchResultsPage>(`${path}${since != null ? `?since=${encodeURIComponent(since)}` : ''}`)
    total = page.total
    const fresh = page.results.filter(result => result.index < total && !seen.has(result.index))
    for (const result of fresh) seen.add(result.index)
    yield fresh
    // Every task finished, yet some were never seen (a clock step moved a finish time back): read the batch again from its start.
    since = page.done >= page.total && seen.size < total && page.results.length === 0 ? undefined : page.next
    if (page.results.length === 0 && seen.size < total) await new Promise(resolve => setTimeout(resolve, pollMs))
  }
}

function base64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
