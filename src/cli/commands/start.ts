import { resolve } from 'node:path'
import { Command, Option } from 'commander'
import { configFromEnv, ENV_VARS, mergeConfigSources, readConfigFile } from '../../node/config-sources.js'
import { LOG_LEVELS, withConfigSource } from '../../node/config.js'
import { parseAllowExec } from '../../tasks/exec/command-kinds.js'
import { createMeshNode } from '../../node/mesh-node.js'
import { ensureDataDir } from '../../node/identity.js'
import { createLogger } from '../../logger.js'
import { VERSION } from '../../version.js'
import { EXIT, Output, reportError, type CliIo, type GlobalOptions } from '../context.js'

interface StartFlags extends GlobalOptions {
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

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

export function startCommand (io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('start')
    .description('run a node in the foreground until SIGINT/SIGTERM')
    .option('--listen <multiaddr>', 'address to listen on, repeatable (default /ip4/0.0.0.0/tcp/4001, and /ip6/::/tcp/4001 where the host has IPv6)', collect)
    .option('--announce <multiaddr>', 'address to give peers instead of the listen addresses (your public address, if you know it), repeatable', collect)
    .option('--relay', 'serve as a circuit relay for peers behind NATs (a node peers can dial)')
    .option('--relay-max-reservations <n>', 'as a relay: peers holding a reservation at once, one each (default 64)')
    .option('--relay-max-duration-ms <ms>', 'as a relay: how long one relayed connection may last (default 600000)')
    .option('--relay-max-bytes <size>', 'as a relay: bytes one relayed connection may carry, e.g. 16MiB (default 16MiB)')
    .option('--bootstrap <multiaddr>', 'peer to join through, /.../p2p/<id>, repeatable', collect)
    .option('--network <name>', 'network name; topics and protocols are namespaced by it (default mesh)')
    .option('--swarm-key <file>', 'pre-shared key file for a private network (make one with "mesh-node psk --out swarm.key")')
    .option('--mdns', 'discover peers on the LAN with mDNS')
    .option('--no-mdns', 'do not use mDNS (the default)')
    .option('--dht', 'join the Kademlia DHT for peer discovery')
    .option('--no-dht', 'do not join the DHT (the default)')
    .option('--target-peers <n>', 'below this many connections, dial peers remembered from earlier runs, best first (default 8)')
    .option('--max-connections <n>', 'open connections at most; past it inbound ones are refused and the least valued closed (default 300)')
    .option('--max-inbound-per-ip <n>', 'inbound connections from one IPv4 address or IPv6 /64 at most; loopback exempt (default 8)')
    .option('--max-inbound-per-subnet <n>', 'inbound connections from one IPv4 /24 or IPv6 /48 at most; loopback exempt (default 32)')
    .option('--slots <n>', 'tasks this node runs at once (default: number of CPUs)')
    .option('--heartbeat-ms <ms>', 'heartbeat interval on a small mesh (default 1000; widens with the mesh)')
    .option('--no-worker', 'own and submit tasks but run none')
    .option('--lease-ttl-ms <ms>', 'lease time to live for tasks this node owns (default 5000)')
    .option('--drain-timeout <ms>', 'on SIGTERM/SIGINT, how long running tasks may finish before they are stopped and released (default 10000)')
    .option('--memory <size>', 'memory running tasks may reserve in all, e.g. 4GiB (default: 3/4 of RAM)')
    .option('--allow-wasm', 'run WebAssembly (WASI) tasks from any peer, sandboxed: no files, no network, memory and time caps')
    .option('--wasm-max-memory <size>', 'refuse wasm modules whose declared memory maximum is above this (default 256MiB)')
    .option('--strict-exec', 'refuse to start (exit 2) when a command kind\'s program does not resolve to an executable, instead of leaving that kind out')
    .option('--allow-exec <name=command>', 'run tasks of kind <name> with this fixed command line (input on stdin, output from stdout; split like a shell splits words, nothing expanded); repeatable', collect)
    .addOption(new Option('--log-level <level>', 'log level (default info)').choices([...LOG_LEVELS]))
    .addHelpText('after', `
The API address comes from the global --api (default 127.0.0.1:7373; port 0 picks a free one).
Precedence: flags > environment (MESH_DATA_DIR, MESH_LISTEN, MESH_BOOTSTRAP, MESH_NETWORK,
MESH_SWARM_KEY, MESH_MDNS, MESH_DHT, MESH_API, MESH_LOG_LEVEL, MESH_SLOTS, MESH_HEARTBEAT_MS;
lists comma-separated) >
--config file (JSON) > defaults.`)
    .action(async (_options: unknown, command: Command) => {
      setExitCode(await runStart(command.optsWithGlobals<StartFlags>(), io))
    })
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
