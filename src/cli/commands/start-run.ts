import { resolve } from 'node:path'
import { configFromEnv, ENV_VARS, mergeConfigSources, readConfigFile } from '../../node/config-sources.js'
import { LOG_LEVELS, withConfigSource } from '../../node/config.js'
import { parseAllowExec } from '../../tasks/exec/command-kinds.js'
import { createMeshNode } from '../../node/mesh-node.js'
import { ensureDataDir } from '../../node/identity.js'
import { createLogger } from '../../logger.js'
import { VERSION } from '../../version.js'
import { EXIT, Output, reportError, type CliIo, type GlobalOptions } from '../context.js'

// What `mesh-node start` runs: loaded only by that command (./start.ts), since it loads libp2p,
// SQLite and the rest of the node, which the other commands do without.

export interface StartFlags extends GlobalOptions {
  listen?: string[]
  announce?: string[]
  relay?: boolean
  relayMaxReservations?: string
  relayMaxDurationMs?: string
  relayMaxBytes?: string
  bootstrap?: string[]
  network?: string
  swarmKey?: string
  mdns?: boolean
  dht?: boolean
  logLevel?: string
  slots?: string
  targetPeers?: string
  maxConnections?: string
  maxInboundPerIp?: string
  maxInboundPerSubnet?: string
  heartbeatMs?: string
  worker?: boolean
  leaseTtlMs?: string
  allowExec?: string[]
  drainTimeout?: string
  memory?: string
  allowWasm?: boolean
  wasmMaxMemory?: string
  strictExec?: boolean
}

/** The flag of each config field `start` takes one for, to name a bad value as it was given. */
const FLAG_NAMES: Record<string, string> = {
  exec: '--allow-exec',
  dataDir: '--data-dir',
  listen: '--listen',
  announce: '--announce',
  relayMaxReservations: '--relay-max-reservations',
  relayMaxDurationMs: '--relay-max-duration-ms',
  relayMaxBytes: '--relay-max-bytes',
  bootstrap: '--bootstrap',
  network: '--network',
  swarmKey: '--swarm-key',
  api: '--api',
  logLevel: '--log-level',
  slots: '--slots',
  targetPeers: '--target-peers',
  maxConnections: '--max-connections',
  maxInboundPerIp: '--max-inbound-per-ip',
  maxInboundPerSubnet: '--max-inbound-per-subnet',
  heartbeatMs: '--heartbeat-ms',
  leaseTtlMs: '--lease-ttl-ms',
  drainTimeoutMs: '--drain-timeout',
  memoryBytes: '--memory',
  wasmMaxMemoryBytes: '--wasm-max-memory'
}

/** How long a stop may take beyond the drain bound and the kill grace before the process exits anyway. */
export const SHUTDOWN_BOUND_MS = 10_000
/** After a second signal: how long beyond the kill grace the releases and the close may take. */
export const FORCED_STOP_BOUND_MS = 5_000

interface StopRequest {
  signal: 'SIGINT' | 'SIGTERM' | 'fatal'
  err?: unknown
}

export async function runStart (flags: StartFlags, io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const out = new Output(io, flags.json === true)
  // Listen before starting, so a signal that arrives while the node starts still stops it cleanly.
  const stopRequest = new Promise<StopRequest>(resolveStop => {
    signals.once('SIGINT', () => { resolveStop({ signal: 'SIGINT' }) })
    signals.once('SIGTERM', () => { resolveStop({ signal: 'SIGTERM' }) })
    // A bug must not leave api.json and the lock behind: log it on one line and stop.
    signals.once('uncaughtException', (err: unknown) => { resolveStop({ signal: 'fatal', err }) })
    signals.once('unhandledRejection', (err: unknown) => { resolveStop({ signal: 'fatal', err }) })
  })
  let node
  try {
    const file = flags.config != null ? await readConfigFile(resolve(io.cwd, flags.config)) : {}
    // Flags add command kinds to (or replace same-named ones of) the config file's.
    const fileExec = (file as { exec?: Record<string, unknown> }).exec ?? {}
    const flagExec = Object.fromEntries((flags.allowExec ?? []).map(value => {
      const [name, argv] = parseAllowExec(value)
      return [name, { argv }]
    }))
    const fromFlags: Record<string, unknown> = {
      exec: flags.allowExec != null ? { ...fileExec, ...flagExec } : undefined,
      dataDir: flags.dataDir,
      listen: flags.listen,
      announce: flags.announce,
      relay: flags.relay,
      relayMaxReservations: flags.relayMaxReservations,
      relayMaxDurationMs: flags.relayMaxDurationMs,
      relayMaxBytes: flags.relayMaxBytes,
      bootstrap: flags.bootstrap,
      network: flags.network,
      swarmKey: flags.swarmKey,
      mdns: flags.mdns,
      dht: flags.dht,
      api: flags.api,
      logLevel: flags.logLevel,
      slots: flags.slots,
      targetPeers: flags.targetPeers,
      maxConnections: flags.maxConnections,
      maxInboundPerIp: flags.maxInboundPerIp,
      maxInboundPerSubnet: flags.maxInboundPerSubnet,
      heartbeatMs: flags.heartbeatMs,
      worker: flags.worker === false ? false : undefined,
      leaseTtlMs: flags.leaseTtlMs,
      drainTimeoutMs: flags.drainTimeout,
      memoryBytes: flags.memory,
      allowWasm: flags.allowWasm === true ? true : undefined,
      wasmMaxMemoryBytes: flags.wasmMaxMemory,
      strictExec: flags.strictExec === true ? true : undefined
    }
    const fromEnv = configFromEnv(io.env)
    const raw = mergeConfigSources(file, fromEnv, fromFlags)
    const level = typeof raw.logLevel === 'string' && (LOG_LEVELS as readonly string[]).includes(raw.logLevel) ? raw.logLevel as typeof LOG_LEVELS[number] : 'info'
    const logger = createLogger({ level, pretty: io.stderr.isTTY === true, destination: io.stderr })
    // A bad value is named as the user gave it: the flag, the variable or the file.
    const source = (field: string): string | undefined => fromFlags[field] !== undefined
      ? FLAG_NAMES[field] ?? `--${field}`
      : fromEnv[field] !== undefined ? ENV_VARS[field as keyof typeof ENV_VARS] : file[field] !== undefined ? `config file ${flags.config ?? ''}` : undefined
    try {
      node = createMeshNode(raw, { logger })
    } catch (err) {
      throw withConfigSource(err, source)
    }
    const loose = await ensureDataDir(node.config.dataDir)
    if (loose.length > 0) logger.warn({ paths: loose.slice(0, 20), count: loose.length }, 'data dir was readable by other users: made it 0700 and its files 0600')
    await node.start()
  } catch (err) {
    return reportError(io, err)
  }

  const status = node.status()
  out.result(status, () => [
    `mesh-node ${VERSION} started`,
    `peer id: ${status.peerId}`,
    `network: ${status.network}${status.privateNetwork ? ' (private)' : ''}`,
    'listening on:',
    ...status.addrs.map(addr => `  ${addr}`),
    `api: ${status.api ?? 'off'}`
  ].join('\n'))

  const request = await stopRequest
  if (request.signal === 'fatal') {
    node.logger.fatal({ err: request.err }, 'unexpected error, shutting down')
  } else {
    node.logger.info({ signal: request.signal }, 'shutting down')
  }
  const exitCode = request.signal === 'fatal' ? EXIT.failed : EXIT.ok
  // A second signal cuts the drain short: running tasks are killed and their leases released
  // now, then the node stops. A stop that overruns its bound ends the process at once (exit 1).
  const forced = new Promise<number>(resolveForced => {
    // The drain bound plus the kill grace, plus time for libp2p and the store to close.
    const overrun = (ms: number): void => { setTimeout(() => { resolveForced(EXIT.failed) }, ms).unref() }
    overrun(node.config.drainTimeoutMs + node.config.killGraceMs + SHUTDOWN_BOUND_MS)
    const force = (): void => {
      node.logger.warn('second signal: stopping running tasks now')
      node.endDrain()
      overrun(node.config.killGraceMs + FORCED_STOP_BOUND_MS)
    }
    signals.once('SIGINT', force)
    signals.once('SIGTERM', force)
  })
  return await Promise.race([
    node.stop().then(() => exitCode, err => reportError(io, err)),
    forced
  ])
}
