import { VERSION } from '../version.js'

/**
 * The control API as an OpenAPI 3.1 document, served at GET /v1/openapi.json and kept in
 * docs/openapi.json (`npm run openapi` writes it; a unit test fails when the two differ).
 * test/integration/openapi.test.ts calls every route documented here on a live node and
 * validates the answers against these schemas, and checks every route the server has is here.
 */

type Schema = Record<string, unknown>

/** GET /v1/events' bound (MAX_EVENT_STREAMS in ./server.ts, which imports this file). */
const MAX_EVENT_STREAMS_DOC = 8

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] })
const str: Schema = { type: 'string' }
const int: Schema = { type: 'integer' }
const num: Schema = { type: 'number' }
const bool: Schema = { type: 'boolean' }
const strings: Schema = { type: 'array', items: str }
const counts: Schema = { type: 'object', additionalProperties: num }
const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required })

const TASK_STATES = ['pending', 'leased', 'verifying', 'succeeded', 'failed', 'cancelled']

const taskFields: Record<string, Schema> = {
  id: str,
  state: { enum: TASK_STATES },
  kind: str,
  key: nullable(str),
  index: nullable(int),
  owner: str,
  attempts: int,
  createdAt: num,
  deadline: num,
  priority: int,
  redundancy: int,
  error: nullable(str),
  waiting: nullable(str),
  outputHash: nullable(str),
  leases: { type: 'array', items: object({ replica: int, holder: str, epoch: int, expiresAt: num }) },
  replicas: { type: 'array', items: object({ index: int, status: str, epoch: int, attempts: int, progress: num, worker: nullable(str), outputHash: nullable(str), verdict: { enum: ['agreed', 'misreport', null] }, check: bool }) }
}

const schemas: Record<string, Schema> = {
  Error: object({ error: object({ code: str, message: str }) }),
  Status: object({
    peerId: str,
    network: str,
    version: str,
    addrs: strings,
    peers: int,
    uptimeMs: num,
    privateNetwork: bool,
    mdns: bool,
    dht: bool,
    api: nullable(str),
    failedDials: counts,
    failedInbound: counts,
    reachability: { enum: ['public', 'private', 'unknown'] },
    observedAddrs: strings,
    announcedAddrs: strings,
    relayAddrs: strings,
    relays: strings,
    avoidedRelays: { type: 'array', items: object({ peerId: str, reason: { enum: ['refused', 'not forwarding'] }, remainingMs: num }) },
    relay: nullable(object({ reservations: int, maxReservations: int, durationMs: int, dataBytes: int }))
  }),
  Peer: object({
    peerId: str,
    addrs: strings,
    connected: bool,
    state: { enum: ['alive', 'suspect', 'gone', 'unknown'] },
    capabilities: { type: 'array', items: { type: 'object' } },
    slots: nullable(object({ free: int, total: int })),
    lastSeenMs: nullable(num),
    lastConnectedAt: nullable(num),
    workedAt: nullable(num),
    nextDialAt: nullable(num),
    dialFailures: int,
    connection: { enum: ['direct', 'relayed', null] }
  }),
  Reputation: object({ peerId: str, score: num, state: str, verified: int, counts }),
  Task: object({ ...taskFields, history: { type: 'array', items: object({ at: num, state: str, reason: str }, ['at', 'state', 'reason']) } }),
  /** A task in a list (GET /v1/tasks): its view without the trail of reasons. */
  TaskListItem: object(taskFields),
  Submitted: object({ ids: strings, id: str, key: str, warning: str }, ['ids']),
  Submission: {
    type: 'object',
    description: 'One task (`count` copies): its input as text (`inputEncoding` utf8, the default) or base64, or `inputBlob`, the hash an upload to POST /v1/blobs returned; `module` (base64) or `moduleBlob` for kind wasm. A batch: the same options with `inputs`, an array of {"input": ...} or {"inputBase64": ...}.',
    properties: {
      kind: str,
      input: str,
      inputEncoding: { enum: ['utf8', 'base64'] },
      inputBlob: str,
      inputs: { type: 'array', items: { type: 'object' } },
      module: str,
      moduleBlob: str,
      count: int,
      redundancy: int,
      timeoutMs: int,
      maxAttempts: int,
      priority: int,
      deadlineMs: int,
      slots: int,
      memoryBytes: int,
      key: str
    },
    required: ['kind']
  },
  Blob: object({ hash: str, size: int }),
  Batch: object({ key: str, kind: str, total: int, done: int, counts, cancelling: bool, waiting: nullable({ type: 'object' }) }, ['key', 'total', 'done', 'counts', 'cancelling', 'waiting']),
  BatchResults: object({
    key: str,
    total: int,
    done: int,
    next: str,
    results: { type: 'array', items: object({ index: int, id: str, state: { enum: TASK_STATES }, output: str, outputBase64: str, outputSize: int, error: nullable(str) }, ['index', 'id', 'state', 'error']) }
  }),
  BatchCancel: object({ key: str, total: int, unfinished: int, cancelling: bool }),
  Stats: object({ counts, claimsReceived: int, grantsIssued: int, claimsPerGrant: nullable(num), running: int }, ['counts', 'running']),
  Logs: object({ id: str, attempts: { type: 'array', items: object({ at: num, replica: int, epoch: int, worker: str, outcome: str, exitCode: int, error: str, stderrTail: str }, ['at', 'replica', 'epoch', 'worker', 'outcome']) } }),
  Dialled: object({ peerId: str }),
  TimelineSample: object({ t: num, succeeded: int, failed: int, cancelled: int, latencyP50: nullable(num), latencyP99: nullable(num), peersAlive: int, meanScore: nullable(num), minScore: nullable(num), running: int }),
  Timeline: object({ intervalMs: int, samples: { type: 'array', items: ref('TimelineSample') } })
}

const json = (schema: Schema): Schema => ({ content: { 'application/json': { schema } } })
const ok = (description: string, schema: Schema): Schema => ({ description, ...json(schema) })
const error = (description: string): Schema => ({ description, ...json(ref('Error')) })
const idParam = { name: 'id', in: 'path', required: true, description: 'a task id, or a unique prefix of it (at least 8 hex digits)', schema: str }
const keyParam = { name: 'key', in: 'path', required: true, description: 'a batch key', schema: str }
const needsToken = { security: [{ token: [] }] }
const open = { security: [] }
const unauthorized = { 401: error('no token, or the wrong one') }
const notFound = { 404: error('no such task or batch') }

interface Operation {
  summary: string
  security?: unknown[]
  parameters?: unknown[]
  requestBody?: unknown
  responses: Record<string, unknown>
}

const paths: Record<string, Record<string, Operation>> = {
  '/v1/status': { get: { ...open, summary: 'identity, network, addresses, reachability, relays, uptime', responses: { 200: ok('the node', ref('Status')) } } },
  '/v1/peers': {
    get: { ...open, summary: 'peers this node knows, connected or not', responses: { 200: ok('peers', { type: 'array', items: ref('Peer') }) } },
    post: { ...needsToken, summary: 'dial a peer now', requestBody: { required: true, ...json(object({ addr: str })) }, responses: { 200: ok('connected', ref('Dialled')), 400: error('not a multiaddr, or the dial failed'), ...unauthorized } }
  },
  '/metrics': { get: { ...open, summary: 'Prometheus text (docs/OPERATIONS.md lists the metrics)', responses: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: str } } } } } },
  '/': { get: { ...open, summary: 'the dashboard (a page of this node: status, peers, tasks, charts; docs/OPERATIONS.md)', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: str } } } } } },
  '/dashboard/app.js': { get: { ...open, summary: 'the dashboard\'s script', responses: { 200: { description: 'JavaScript', content: { 'text/javascript': { schema: str } } } } } },
  '/dashboard/style.css': { get: { ...open, summary: 'the dashboard\'s style', responses: { 200: { description: 'CSS', content: { 'text/css': { schema: str } } } } } },
  '/v1/openapi.json': { get: { ...open, summary: 'this document', responses: { 200: ok('OpenAPI 3.1', { type: 'object' }) } } },
  '/v1/timeline': { get: { ...needsToken, summary: 'the last hour, a sample a second: tasks finished by outcome, their latency, peers alive, mean peer score, tasks running here (the dashboard\'s charts)', responses: { 200: ok('samples, oldest first', ref('Timeline')), ...unauthorized } } },
  '/v1/events': { get: { ...needsToken, summary: `server-sent events, one a second: {"sample": TimelineSample, "status": Status, "peers": [Peer]} as the \`data\` of each; at most ${MAX_EVENT_STREAMS_DOC} streams open at once (429 beyond)`, responses: { 200: { description: 'an event stream that stays open', content: { 'text/event-stream': { schema: str } } }, ...unauthorized, 429: error('too many streams open') } } },
  '/v1/reputation': { get: { ...needsToken, summary: 'how this node judges each peer, lowest score first', responses: { 200: ok('peers by score', { type: 'array', items: ref('Reputation') }), ...unauthorized } } },
  '/v1/tasks': {
    post: {
      ...needsToken,
      summary: 'submit a task (count copies), a batch (`inputs`), or a batch as NDJSON (options line, then one input a line); answered once stored',
      requestBody: { required: true, content: { 'application/json': { schema: ref('Submission') }, 'application/x-ndjson': { schema: str } } },
      responses: { 200: ok('the ids, in input order', ref('Submitted')), 400: error('a bad field, named'), ...unauthorized, 409: error('the key was used for another submission'), 413: error('over the body limit') }
    },
    get: {
      ...needsToken,
      summary: 'a page of tasks, newest first, or a batch\'s in index order (`key`); the Next-Cursor header is the next page\'s cursor',
      parameters: ['state', 'key', 'cursor', 'limit'].map(name => ({ name, in: 'query', required: false, schema: str })),
      responses: { 200: { description: 'tasks (without their trail of reasons)', headers: { 'Next-Cursor': { schema: str } }, ...json({ type: 'array', items: ref('TaskListItem') }) }, 400: error('a bad query'), ...unauthorized }
    }
  },
  '/v1/blobs': { post: { ...needsToken, summary: 'upload an input or a module (raw bytes, up to 64 MiB); name it in a submission by its hash', requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, responses: { 200: ok('stored', ref('Blob')), ...unauthorized, 413: error('over 64 MiB') } } },
  '/v1/tasks/stats': { get: { ...needsToken, summary: 'tasks by state, claims and grants, tasks running here', responses: { 200: ok('figures', ref('Stats')), ...unauthorized } } },
  '/v1/tasks/{id}': { get: { ...needsToken, summary: 'one task: state, attempts, leases, replicas, the trail of reasons, why it waits', parameters: [idParam], responses: { 200: ok('the task', ref('Task')), 400: error('an ambiguous prefix (AMBIGUOUS_ID)'), ...unauthorized, ...notFound } } },
  '/v1/tasks/{id}/result': { get: { ...needsToken, summary: 'the output bytes of a succeeded task', parameters: [idParam], responses: { 200: { description: 'the output', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...unauthorized, ...notFound, 409: error('the task has not succeeded') } } },
  '/v1/tasks/{id}/logs': { get: { ...needsToken, summary: 'each attempt: worker, outcome, exit code, error, stderr tail', parameters: [idParam], responses: { 200: ok('attempts', ref('Logs')), ...unauthorized, ...notFound } } },
  '/v1/tasks/{id}/cancel': { post: { ...needsToken, summary: 'cancel a task (a worker running it stops)', parameters: [idParam], requestBody: { required: false, ...json({ type: 'object' }) }, responses: { 200: ok('the task, cancelled', ref('Task')), ...unauthorized, ...notFound, 409: error('already finished') } } },
  '/v1/batches/{key}': { get: { ...needsToken, summary: 'a batch: its tasks by state, whether it is being cancelled, the commonest reason its tasks wait', parameters: [keyParam], responses: { 200: ok('the batch', ref('Batch')), ...unauthorized, ...notFound } } },
  '/v1/batches/{key}/results': { get: { ...needsToken, summary: 'a batch\'s tasks finished since a cursor (`since`: the last page\'s `next`), with their outputs', parameters: [keyParam, { name: 'since', in: 'query', required: false, schema: str }, { name: 'limit', in: 'query', required: false, schema: str }], responses: { 200: ok('results', ref('BatchResults')), 400: error('a bad cursor'), ...unauthorized, ...notFound } } },
  '/v1/batches/{key}/cancel': { post: { ...needsToken, summary: 'start cancelling every unfinished task of a batch', parameters: [keyParam], requestBody: { required: false, ...json({ type: 'object' }) }, responses: { 200: ok('what is being cancelled', ref('BatchCancel')), ...unauthorized, ...notFound } } }
}

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'mesh-node control API',
    version: VERSION,
    description: 'The control API of a mesh-node (README, "Control API and CLI"). It listens on loopback only. Every route but GET /v1/status, /v1/peers, /metrics, /v1/openapi.json and the dashboard files need the token of <data-dir>/api.token as a bearer token. Errors are {"error": {"code", "message"}}.'
  },
  servers: [{ url: 'http://127.0.0.1:7373' }],
  security: [{ token: [] }],
  components: {
    securitySchemes: { token: { type: 'http', scheme: 'bearer', description: '<data-dir>/api.token (64 hex digits)' } },
    schemas
  },
  paths
}
