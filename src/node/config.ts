import { availableParallelism, networkInterfaces, totalmem } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { MeshError } from '../errors.js'
import { LIMITS } from '../gossip/wire/limits.js'
import { DEFAULT_MAX_HEARTBEAT_MS } from '../gossip/windows.js'
import { KIND_NAME, commandKindSchema, type CommandKind } from '../tasks/exec/command-kinds.js'
import { DEFAULT_QUOTAS, type QuotaLimits } from '../tasks/quota.js'
import { RESIDENT_READY } from '../tasks/backlog.js'
import { WASM_KIND } from '../tasks/spec.js'
import type { InboundLimits } from './inbound-slots.js'
import { LOG_LEVELS, defaultDataDir, isLoopbackHost, parseApiAddress, parseByteSize, type ApiAddress, type LogLevel } from './config-values.js'

export { LOG_LEVELS, defaultDataDir, isLoopbackHost, parseApiAddress, parseByteSize }
export type { ApiAddress, LogLevel } from './config-values.js'

/**
 * Node options, compiled and validated once into the strict shape the rest of the code uses
 * (Temporal's compileWorkerOptions). Raw input comes from flags, env and a JSON file, merged in
 * ./config-sources.ts.
 */


export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4001'
export const DEFAULT_LISTEN_IP6 = '/ip6/::/tcp/4001'

/**
 * Listen addresses when none are given: IPv4 on every interface, and IPv6 too when the host has
 * an IPv6 address (loopback counts: the stack is there). The IPv6 socket is IPv6-only
 * (@libp2p/tcp sets ipv6Only for /ip6), so both bind port 4001 side by side.
 */
export function defaultListen (interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const hasIPv6 = Object.values(interfaces).some(list => list?.some(entry => entry.family === 'IPv6') === true)
  return hasIPv6 ? [DEFAULT_LISTEN, DEFAULT_LISTEN_IP6] : [DEFAULT_LISTEN]
}
export const DEFAULT_API = '127.0.0.1:7373'
export const DEFAULT_NETWORK = 'mesh'
export const DEFAULT_BOOTSTRAP_REDIAL_MS = 10_000
export const DEFAULT_HEARTBEAT_MS = 1_000

/** What a relay grants. A relayed connection past either limit is closed; the two peers open another. */
export interface RelayLimits {
  maxReservations: number
  durationMs: number
  dataBytes: number
}

/**
 * The mesh's own relays (docs/PUBLIC-NETWORK.md). libp2p's defaults (2 minutes, 128 KiB a
 * connection) cut lease traffic short; 10 minutes and 16 MiB carry hours of one owner–worker
 * pair's lease messages and blobs up to the size the docs name.
 */
export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 64,
  durationMs: 10 * 60_000,
  dataBytes: 16 * 1024 * 1024
}


export interface MeshNodeConfig {
  dataDir: string
  listen: string[]
  /** Addresses given to peers instead of the listen addresses (an operator who knows the node's public address). */
  announce: string[]
  /** Serves as a circuit relay v2 for peers that cannot be dialled, within `relayLimits`. */
  relay: boolean
  /** What a relay grants (`--relay`): reservations held at once (one per peer), and the time and bytes of each relayed connection. */
  relayLimits: RelayLimits
  bootstrap: string[]
  network: string
  /** Path of the swarm key file; set means a private network. */
  swarmKeyFile?: string
  mdns: boolean
  dht: boolean
  /** Where the control API listens; null runs the node without one (library use, simulations). */
  api: ApiAddress | null
  logLevel: LogLevel
  /** How often a node with no connections dials its bootstrap list again. */
  bootstrapRedialMs: number
  /** Below this many connections, a node dials peers it remembers (./peer-keeper.ts). */
  targetPeers: number
  /** Longest wait between two dials of one remembered peer that keeps failing. */
  redialMaxBackoffMs: number
  /** Peers the peer store remembers at most; past it, strangers are forgotten first. */
  maxKnownPeers: number
  /** Open connections at most (libp2p's connection manager: inbound refused, lowest-valued pruned past it). */
  maxConnections: number
  /** Inbound connections from one host (IPv4 address, IPv6 /64), from one subnet (IPv4 /24, IPv6 /48), and whether loopback counts (./inbound-slots.ts). */
  inbound: InboundLimits
  /** Heartbeat interval on a small mesh; it widens with the mesh (docs/PROTOCOL.md). */
  heartbeatMs: number
  /** Heartbeats a node should receive per second at most, whatever the mesh size. */
  heartbeatMaxPerSecond: number
  /** Tasks this node runs at once. */
  slots: number
  /** Runs tasks for others (built-in kinds); false: owns and submits tasks only. */
  worker: boolean
  leaseTtlMs: number
  /** How often unleased tasks are announced again (late joiners, retries, expired leases). */
  reannounceMs: number
  /** How long finished tasks are kept. */
  retentionMs: number
  /** Operator-declared command kinds: kind -> fixed command line and its settings. */
  exec: Map<string, CommandKind>
  /** Refuse to start when a command kind's program does not resolve to an executable (else that kind is left out). */
  strictExec: boolean
  /** After SIGTERM to a task's process group, how long before SIGKILL. */
  killGraceMs: number
  /** On stop, how long running tasks may go on before they are stopped and released. */
  drainTimeoutMs: number
  /** Memory this node lets its running tasks reserve (tasks state their need; wasm: the module's maximum). */
  memoryBytes: number
  /** Runs WebAssembly (WASI) modules that any peer submits, in a sandbox. */
  allowWasm: boolean
  /** Largest memory maximum a wasm module may declare; modules above it (or with none) are refused. */
  wasmMaxMemoryBytes: number
  /** A wasm run longer than this is stopped, whatever the task's own timeout. */
  wasmMaxTimeMs: number
  /** A wasm module's stdout over this fails the task. */
  wasmMaxOutputBytes: number
  /** Live leases a new peer (on probation) may hold on this node's tasks at once. */
  probationLeases: number
  /** Pending tasks an owner keeps in memory; the rest wait in the store (backlog.ts). */
  residentTasks: number
  /**
   * Lease messages (grants, acks, refusals) wait for their commit to reach the device (fdatasync:
   * safe from a power cut) instead of the commit alone (in the OS: safe from the process being
   * killed; on the device within a second, as Redis's `appendfsync everysec`). A submit's answer
   * always waits for the device.
   */
  syncLeaseMessages: boolean
  /** Bytes kept for remote peers: cached inputs and modules, undelivered results and outputs (in all and per peer). */
  quotas: QuotaLimits
}


/** Why `value` is not a multiaddr (the parser's own words), or undefined when it is one. */
function multiaddrProblem (value: string): string | undefined {
  if (!value.startsWith('/')) return 'it must start with "/"'
  try {
    multiaddr(value)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

const multiaddrString = z.string().superRefine((value, ctx) => {
  const problem = multiaddrProblem(value)
  if (problem != null) ctx.addIssue({ code: 'custom', message: `"${value}" is not a valid multiaddr: ${problem} (for example /ip4/127.0.0.1/tcp/4001)` })
})

/**
 * A bootstrap address must parse and end in /p2p/<a valid peer id>. An empty peer id (an empty
 * shell variable: `/p2p/$ID`) is named as such, one issue per address, never an exception.
 */
const bootstrapAddr = z.string().superRefine((value, ctx) => {
  const fail = (why: string): void => { ctx.addIssue({ code: 'custom', message: `"${value}" ${why}` }) }
  if (/\/p2p\/?$/.test(value)) { fail('has an empty peer id after /p2p/ (is the shell variable that should hold it empty?)'); return }
  const problem = multiaddrProblem(value)
  if (problem != null) { fail(`is not a valid multiaddr: ${problem}`); return }
  const id = multiaddr(value).getComponents().findLast(c => c.name === 'p2p')?.value
  if (id == null) { ctx.addIssue({ code: 'custom', message: `a bootstrap address must end in /p2p/<peer id>; "${value}" names no peer` }); return }
  try {
    peerIdFromString(id)
  } catch {
    fail(`ends in /p2p/${id}, which is not a peer id`)
  }
})

const apiAddress = z.union([z.literal(false), z.literal('off'), z.null(), z.string()]).transform((value, ctx) => {
  if (value === false || value === null || value === 'off') return null
  const parsed = parseApiAddress(value)
  if (parsed == null) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not host:port (for example 127.0.0.1:7373)` })
    return z.NEVER
  }
  if (!isLoopbackHost(parsed.host)) {
    ctx.addIssue({ code: 'custom', message: `the control API listens on loopback only, not on ${parsed.host}` })
    return z.NEVER
  }
  return parsed
})

const TRUE_WORDS = ['true', '1', 'yes', 'on']
const BOOLEAN_WORDS = [...TRUE_WORDS, 'false', '0', 'no', 'off']
const booleanLike = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value
  const word = value.trim().toLowerCase()
  if (!BOOLEAN_WORDS.includes(word)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a boolean (use one of ${BOOLEAN_WORDS.join(', ')})` })
    return z.NEVER
  }
  return TRUE_WORDS.includes(word)
})

/** A byte count: a number, or a size string (parseByteSize). */
const byteSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value : parseByteSize(value)
  if (bytes == null) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a size (use bytes, or a number with KiB, MiB, GiB, KB, MB, GB)` })
    return z.NEVER
  }
  return bytes
}).pipe(z.number().int().min(0))

/** A storage quota: at least 1 MiB. */
const quotaSize = byteSize.pipe(z.number().min(1024 * 1024, { message: 'a quota is at least 1 MiB' }))

export const rawConfigSchema = z.strictObject({
  dataDir: z.string().min(1).default(defaultDataDir),
  listen: z.array(multiaddrString).min(1).default(() => defaultListen()),
  announce: z.array(multiaddrString).max(16).default([]),
  relay: booleanLike.default(false),
  relayMaxReservations: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_RELAY_LIMITS.maxReservations),
  relayMaxDurationMs: z.coerce.number().int().min(1_000).max(24 * 3600_000).default(DEFAULT_RELAY_LIMITS.durationMs),
  relayMaxBytes: byteSize.pipe(z.number().int().min(1)).default(DEFAULT_RELAY_LIMITS.dataBytes),
  bootstrap: z.array(bootstrapAddr).default([]),
  network: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/,
    { message: 'must be 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit' })
    .default(DEFAULT_NETWORK),
  swarmKey: z.string().min(1).optional(),
  mdns: booleanLike.default(false),
  dht: booleanLike.default(false),
  api: apiAddress.prefault(DEFAULT_API),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  bootstrapRedialMs: z.coerce.number().int().min(100).max(3_600_000).default(DEFAULT_BOOTSTRAP_REDIAL_MS),
  targetPeers: z.coerce.number().int().min(0).max(1_000).default(8),
  redialMaxBackoffMs: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  maxKnownPeers: z.coerce.number().int().min(10).max(100_000).default(1_000),
  maxConnections: z.coerce.number().int().min(2).max(100_000).default(300),
  maxInboundPerIp: z.coerce.number().int().min(1).max(100_000).default(8),
  maxInboundPerSubnet: z.coerce.number().int().min(1).max(100_000).default(32),
  limitLoopbackInbound: booleanLike.default(false),
  heartbeatMs: z.coerce.number().int().min(LIMITS.minHeartbeatMs).max(DEFAULT_MAX_HEARTBEAT_MS).default(DEFAULT_HEARTBEAT_MS),
  heartbeatMaxPerSecond: z.coerce.number().int().min(1).max(10_000).default(4),
  slots: z.coerce.number().int().min(0).max(4096).default(() => availableParallelism()),
  worker: booleanLike.default(true),
  leaseTtlMs: z.coerce.number().int().min(200).max(3_600_000).default(5_000),
  reannounceMs: z.coerce.number().int().min(100).max(600_000).default(1_000),
  retentionMs: z.coerce.number().int().min(60_000).default(7 * 24 * 3600 * 1000),
  exec: z.record(z.string().regex(KIND_NAME, { message: 'kind names are a-z 0-9 . _ - (1-64)' })
    .refine(name => name !== WASM_KIND, { message: `"${WASM_KIND}" is the WebAssembly kind (allowWasm); pick another name` }), commandKindSchema).default({}),
  strictExec: booleanLike.default(false),
  killGraceMs: z.coerce.number().int().min(0).max(600_000).default(2_000),
  drainTimeoutMs: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  memoryBytes: byteSize.default(() => Math.floor(totalmem() * 0.75)),
  allowWasm: booleanLike.default(false),
  wasmMaxMemoryBytes: byteSize.pipe(z.number().min(65_536).max(4 * 1024 ** 3)).default(256 * 1024 * 1024),
  wasmMaxTimeMs: z.coerce.number().int().min(100).max(LIMITS.timeoutMs).default(600_000),
  wasmMaxOutputBytes: z.coerce.number().int().min(1).max(LIMITS.blobBytes).default(16 * 1024 * 1024),
  probationLeases: z.coerce.number().int().min(1).max(4096).default(4),
  residentTasks: z.coerce.number().int().min(16).max(1_000_000).default(RESIDENT_READY),
  syncLeaseMessages: booleanLike.default(false),
  blobCacheBytes: quotaSize.default(DEFAULT_QUOTAS.blobCacheBytes),
  blobCachePerPeerBytes: quotaSize.default(DEFAULT_QUOTAS.blobCachePerPeerBytes),
  undeliveredBytes: quotaSize.default(DEFAULT_QUOTAS.undeliveredBytes),
  undeliveredPerPeerBytes: quotaSize.default(DEFAULT_QUOTAS.undeliveredPerPeerBytes)
})

/** What a config file, the environment or flags may hold: every field optional. */
export type RawConfig = z.input<typeof rawConfigSchema>

/**
 * One line naming the field, and where its value came from when the caller knows (`source`:
 * "--bootstrap", "MESH_BOOTSTRAP", "config file"), so a bad flag is named as the flag.
 */
export function describeIssue (issue: z.core.$ZodIssue, source?: (field: string) => string | undefined): string {
  const path = issue.path.map((part, i) => typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`).join('')
  const from = issue.path.length > 0 ? source?.(String(issue.path[0])) : undefined
  return `${path === '' ? 'config' : path}${from != null ? ` (${from})` : ''}: ${issue.message}`
}

/** A CONFIG_INVALID error from compileConfig again, its field named with where the value came from. */
export function withConfigSource (err: unknown, source: (field: string) => string | undefined): unknown {
  if (!(err instanceof MeshError) || err.code !== 'CONFIG_INVALID') return err
  const first = (err.fields.issues as z.core.$ZodIssue[] | undefined)?.[0]
  if (first == null) return err
  return new MeshError('CONFIG_INVALID', `invalid config: ${describeIssue(first, source)}`, err.fields)
}

/** Validates raw options; throws a CONFIG_INVALID MeshError whose message is one line naming the field. */
export function compileConfig (raw: unknown, cwd: string = process.cwd()): MeshNodeConfig {
  const result = rawConfigSchema.safeParse(raw ?? {})
  if (!result.success) {
    const first = result.error.issues[0]
    const message = first == null ? 'invalid config' : `invalid config: ${describeIssue(first)}`
    throw new MeshError('CONFIG_INVALID', message, { issues: result.error.issues })
  }
  const value = result.data
  const absolute = (path: string): string => isAbsolute(path) ? path : resolve(cwd, path)
  return {
    dataDir: absolute(value.dataDir),
    listen: value.listen,
    announce: value.announce,
    relay: value.relay,
    relayLimits: { maxReservations: value.relayMaxReservations, durationMs: value.relayMaxDurationMs, dataBytes: value.relayMaxBytes },
    bootstrap: value.bootstrap,
    network: value.network,
    ...(value.swarmKey != null ? { swarmKeyFile: absolute(value.swarmKey) } : {}),
    mdns: value.mdns,
    dht: value.dht,
    api: value.api,
    logLevel: value.logLevel,
    bootstrapRedialMs: value.bootstrapRedialMs,
    targetPeers: value.targetPeers,
    redialMaxBackoffMs: value.redialMaxBackoffMs,
    maxKnownPeers: value.maxKnownPeers,
    maxConnections: value.maxConnections,
    inbound: { maxPerHost: value.maxInboundPerIp, maxPerSubnet: value.maxInboundPerSubnet, limitLoopback: value.limitLoopbackInbound },
    heartbeatMs: value.heartbeatMs,
    heartbeatMaxPerSecond: value.heartbeatMaxPerSecond,
    slots: value.slots,
    worker: value.worker,
    leaseTtlMs: value.leaseTtlMs,
    reannounceMs: value.reannounceMs,
    retentionMs: value.retentionMs,
    exec: new Map(Object.entries(value.exec) as Array<[string, CommandKind]>),
    strictExec: value.strictExec,
    killGraceMs: value.killGraceMs,
    drainTimeoutMs: value.drainTimeoutMs,
    memoryBytes: value.memoryBytes,
    allowWasm: value.allowWasm,
    wasmMaxMemoryBytes: value.wasmMaxMemoryBytes,
    wasmMaxTimeMs: value.wasmMaxTimeMs,
    wasmMaxOutputBytes: value.wasmMaxOutputBytes,
    probationLeases: value.probationLeases,
    residentTasks: value.residentTasks,
    syncLeaseMessages: value.syncLeaseMessages,
    quotas: {
      blobCacheBytes: value.blobCacheBytes,
      blobCachePerPeerBytes: value.blobCachePerPeerBytes,
      undeliveredBytes: value.undeliveredBytes,
      undeliveredPerPeerBytes: value.undeliveredPerPeerBytes
    }
  }
}
