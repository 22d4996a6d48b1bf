import '../polyfill.js'
import { createInterface } from 'node:readline'
import { createLogger } from '../logger.js'
import { createMeshNode, type MeshNodeDeps } from '../node/mesh-node.js'
import type { RawConfig } from '../node/config.js'
import { workerFaultHooks, type WorkerFaults } from './worker-faults.js'

/**
 * One simulated node as its own process (scripts/sim-node.mjs runs this). The simulation passes
 * the node's config and faults as JSON in argv[2]; the faults (lying, slowness) and gossip windows are reachable
 * only this way and from library code, never from the mesh-node CLI. Protocol with the parent:
 * - stdout: one JSON line `{"ready": {peerId, addrs, api, token}}` once the node runs;
 * - stdin: JSON lines `{"partition": [peerId, ...]}` (an empty list heals);
 * - SIGTERM/SIGINT: a graceful stop (drain), then exit 0.
 * Logs (warn and up) go to stderr.
 */
/** Shorter gossip windows (the adversarial scenario's, so replays turn stale within a run). */
export type GossipWindowsInit = NonNullable<MeshNodeDeps['gossipWindows']>

export interface HostSpec {
  config: RawConfig
  faults?: WorkerFaults
  gossipWindows?: GossipWindowsInit
}

export async function main (argv: string[] = process.argv): Promise<void> {
  const spec = JSON.parse(argv[2] ?? '{}') as HostSpec
  const logger = createLogger({ level: 'warn', destination: process.stderr })
  const node = createMeshNode(spec.config, { logger, ...(spec.faults != null ? { workerHooks: workerFaultHooks(spec.faults) } : {}), ...(spec.gossipWindows != null ? { gossipWindows: spec.gossipWindows } : {}) })
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    try {
      await node.stop()
    } finally {
      process.exit(0)
    }
  }
  process.once('SIGTERM', () => { void stop() })
  process.once('SIGINT', () => { void stop() })
  await node.start()
  const status = node.status()
  const api = status.api ?? null
  process.stdout.write(`${JSON.stringify({ ready: { peerId: status.peerId, addrs: status.addrs, api, token: node.apiToken ?? null } })}\n`)
  const lines = createInterface({ input: process.stdin })
  lines.on('line', line => {
    try {
      const command = JSON.parse(line) as { partition?: string[] }
      if (Array.isArray(command.partition)) void node.partition(command.partition)
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'bad simulation command')
    }
  })
  // The parent gone (its stdin closed) means the simulation is over: stop too.
  lines.on('close', () => { void stop() })
}

void main().catch(err => {
  process.stderr.write(`sim node: ${(err as Error).message}\n`)
  process.exit(1)
})
