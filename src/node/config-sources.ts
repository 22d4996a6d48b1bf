import { readFile } from 'node:fs/promises'
import { MeshError, errorMessage } from '../errors.js'
import type { RawConfig } from './config.js'
import { DATA_DIR_ENV } from './config-values.js'

/**
 * Where raw options come from, merged with precedence flags > env > file > defaults
 * (defaults are applied by compileConfig). Each source replaces a field whole: a list given
 * by a flag replaces the file's list rather than adding to it.
 */

/** Environment variable for each option; lists are comma-separated. */
export const ENV_VARS = {
  dataDir: DATA_DIR_ENV,
  listen: 'MESH_LISTEN',
  announce: 'MESH_ANNOUNCE',
  relay: 'MESH_RELAY',
  relayMaxReservations: 'MESH_RELAY_MAX_RESERVATIONS',
  relayMaxDurationMs: 'MESH_RELAY_MAX_DURATION_MS',
  relayMaxBytes: 'MESH_RELAY_MAX_BYTES',
  bootstrap: 'MESH_BOOTSTRAP',
  network: 'MESH_NETWORK',
  swarmKey: 'MESH_SWARM_KEY',
  mdns: 'MESH_MDNS',
  dht: 'MESH_DHT',
  api: 'MESH_API',
  logLevel: 'MESH_LOG_LEVEL',
  slots: 'MESH_SLOTS',
  heartbeatMs: 'MESH_HEARTBEAT_MS',
  worker: 'MESH_WORKER',
  leaseTtlMs: 'MESH_LEASE_TTL_MS',
  memoryBytes: 'MESH_MEMORY',
  allowWasm: 'MESH_ALLOW_WASM',
  probationLeases: 'MESH_PROBATION_LEASES',
  residentTasks: 'MESH_RESIDENT_TASKS',
  syncLeaseMessages: 'MESH_SYNC_LEASE_MESSAGES',
  targetPeers: 'MESH_TARGET_PEERS',
  maxConnections: 'MESH_MAX_CONNECTIONS',
  maxInboundPerIp: 'MESH_MAX_INBOUND_PER_IP',
  maxInboundPerSubnet: 'MESH_MAX_INBOUND_PER_SUBNET',
  limitLoopbackInbound: 'MESH_LIMIT_LOOPBACK_INBOUND',
  strictExec: 'MESH_STRICT_EXEC'
} as const satisfies Partial<Record<keyof RawConfig, string>>

const LIST_FIELDS = new Set<string>(['listen', 'announce', 'bootstrap'])

export function configFromEnv (env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, name] of Object.entries(ENV_VARS)) {
    const value = env[name]
    if (value == null || value === '') continue
    out[field] = LIST_FIELDS.has(field) ? value.split(',').map(s => s.trim()).filter(s => s !== '') : value
  }
  return out
}

export async function readConfigFile (path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new MeshError('CONFIG_INVALID', `cannot read config file ${path}: ${errorMessage(err)}`, { path })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new MeshError('CONFIG_INVALID', `config file ${path} is not valid JSON: ${errorMessage(err)}`, { path })
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MeshError('CONFIG_INVALID', `config file ${path} must hold a JSON object`, { path })
  }
  return parsed as Record<string, unknown>
}

function withoutUndefined (source: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined))
}

/** Later sources win: mergeConfigSources(file, env, flags). */
export function mergeConfigSources (...sources: Array<Record<string, unknown>>): Record<string, unknown> {
  return Object.assign({}, ...sources.map(withoutUndefined)) as Record<string, unknown>
}
