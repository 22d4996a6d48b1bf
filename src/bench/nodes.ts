import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../logger.js'
import { createMeshNode, type MeshNode, type MeshNodeDeps } from '../node/mesh-node.js'
import { createBuiltinPool } from '../tasks/exec/builtins.js'
import type { RawConfig } from '../node/config.js'
import type { TaskView } from '../tasks/view.js'
import type { Piscina } from 'piscina'

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
export const round = (n: number | null, digits = 2): number | null => n == null ? null : Math.round(n * 10 ** digits) / 10 ** digits

/** In-process nodes on 127.0.0.1 with temporary data dirs, sharing one built-in pool. */
export class Nodes {
  private readonly all: MeshNode[] = []
  private readonly dirs: string[] = []
  readonly pool: Piscina = createBuiltinPool()

  async node (config: RawConfig = {}, deps: MeshNodeDeps = {}): Promise<MeshNode> {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-'))
    this.dirs.push(dir)
    // The product's defaults (heartbeat and re-announcement every second) unless a figure says otherwise.
    const node = createMeshNode({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], api: null, mdns: false, drainTimeoutMs: 0, network: 'bench', ...config }, { logger: createLogger({ level: 'silent' }), builtinPool: this.pool, ...deps })
    await node.start()
    this.all.push(node)
    return node
  }

  async mesh (n: number, ownerConfig: RawConfig = {}, workerConfig: RawConfig = {}, deps: MeshNodeDeps = {}): Promise<{ owner: MeshNode, workers: MeshNode[] }> {
    const owner = await this.node({ worker: false, ...ownerConfig })
    const addr = owner.status().addrs.find(a => a.includes('127.0.0.1')) as string
    const workers: MeshNode[] = []
    for (let i = 0; i < n - 1; i += 10) {
      workers.push(...await Promise.all(Array.from({ length: Math.min(10, n - 1 - i) }, async () => await this.node({ bootstrap: [addr], ...workerConfig }, deps))))
    }
    const until = Date.now() + 60_000
    while ((await owner.peers()).filter(p => p.state === 'alive').length < n - 1 && Date.now() < until) await sleep(100)
    return { owner, workers }
  }

  /**
   * Waits until the mesh has settled: no node's connections changed for `quietMs` (at most
   * `timeoutMs`). `mesh()` returns once the owner sees every worker, while the workers are still
   * dialling each other (handshakes, identify, gossipsub grafts): a figure of an idle mesh must
   * not time that.
   */
  async settled (quietMs = 2000, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs
    const shape = (): string => this.all.map(n => n.libp2p.getConnections().length).join(',')
    let last = shape()
    let since = Date.now()
    while (Date.now() < until && Date.now() - since < quietMs) {
      await sleep(250)
      const now = shape()
      if (now !== last) {
        last = now
        since = Date.now()
      }
    }
  }

  /** Every node started, in order. */
  list (): readonly MeshNode[] {
    return this.all
  }

  async close (): Promise<void> {
    await Promise.all(this.all.splice(0).map(async n => { await n.stop().catch(() => {}) }))
    await this.pool.destroy()
    await Promise.all(this.dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true, maxRetries: 5 }) }))
  }
}

/**
 * Waits until the owner has no unfinished task (an in-memory count, read every 5 ms: the store's
 * counts, a query over every task row, took the CPU the in-process nodes measured need). Returns
 * how many tasks have finished in all, from the store once at the end, and when the last did (ms
 * since the epoch, within 5 ms).
 */
export async function allFinished (owner: MeshNode, timeoutMs: number): Promise<{ finished: number, at: number }> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until && owner.tasks.unfinished() > 0) await sleep(5)
  const at = Date.now()
  const { counts } = owner.tasks.stats() as { counts: Record<string, number> }
  return { finished: (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0), at }
}

/** Gossip and lease messages a node has received since it started, accepted or not (lease frames, each holding several, not counted), from its metrics. */
export async function messagesReceived (node: MeshNode): Promise<{ gossip: number, lease: number, gossipByType: Record<string, number> }> {
  const gossipByType: Record<string, number> = {}
  for (const v of (await node.metrics.gossipMessages.get()).values) {
    const topic = String((v.labels as Record<string, unknown>).topic)
    gossipByType[topic] = (gossipByType[topic] ?? 0) + v.value
  }
  const lease = (await node.metrics.directMessages.get()).values
    .filter(v => (v.labels as Record<string, unknown>).type !== 'frame').reduce((total, v) => total + v.value, 0)
  return { gossip: Object.values(gossipByType).reduce((total, n) => total + n, 0), lease, gossipByType }
}

export async function finishTimes (owner: MeshNode, ids: string[], timeoutMs: number): Promise<Map<string, number>> {
  const done = new Map<string, number>()
  const until = Date.now() + timeoutMs
  while (done.size < ids.length && Date.now() < until) {
    for (const id of ids) {
      if (done.has(id)) continue
      const view = owner.tasks.get(id) as TaskView
      if (view.state === 'succeeded' || view.state === 'failed') done.set(id, Date.now())
    }
    if (done.size < ids.length) await sleep(1)
  }
  return done
}
