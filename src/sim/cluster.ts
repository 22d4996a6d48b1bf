import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { ApiClient } from '../api/client.js'
import { createLogger } from '../logger.js'
import { createMeshNode, type MeshNode } from '../node/mesh-node.js'
import { createBuiltinPool } from '../tasks/exec/builtins.js'
import { projectFile } from '../tasks/exec/worker-files.js'
import type { Piscina } from 'piscina'
import type { RawConfig } from '../node/config.js'
import type { PeerReputation } from '../reputation/reputation.js'
import type { TaskView } from '../tasks/owner.js'
import { workerFaultHooks, type WorkerFaults } from './worker-faults.js'
import type { GossipWindowsInit } from './node-host.js'

/**
 * The nodes of a simulation, as separate `node scripts/sim-node.mjs` processes (default) or as
 * MeshNodes in this process (`--in-process`, many nodes per process, one shared built-in
 * thread pool). Every node listens on 127.0.0.1 with port 0 and its own data dir under the
 * simulation's temporary root; mDNS is off.
 */

/** 'attacker' nodes are not MeshNodes: the simulation runs them itself (src/sim/attacker.ts). */
export type Role = 'owner' | 'worker' | 'liar' | 'slow' | 'joiner' | 'attacker'

/** The owner's task API, the same over HTTP (processes) and in process. */
export interface OwnerApi {
  submit: (request: Record<string, unknown>) => Promise<string[]>
  task: (id: string) => Promise<TaskView>
  output: (id: string) => Promise<Uint8Array>
  counts: () => Promise<Record<string, number>>
  reputation: () => Promise<PeerReputation[]>
  /** Peers the owner's heartbeat table shows alive, and whether each is connected (only those count as capacity). */
  alivePeers: () => Promise<Array<{ peerId: string, connected: boolean }>>
}

export interface SimNodeSpec {
  name: string
  role: Role
  dataDir: string
  config: RawConfig
  faults?: WorkerFaults
  gossipWindows?: GossipWindowsInit
}

export interface SimNode {
  readonly spec: SimNodeSpec
  peerId: string
  addr: string
  /** 'up', or how it went away. */
  status: 'up' | 'killed' | 'stopped' | 'hung'
  start: () => Promise<void>
  /** A crash: SIGKILL (in process: the network stops first, nothing is said). */
  kill: () => Promise<void>
  /** A graceful stop (drain). */
  stop: () => Promise<void>
  /** SIGSTOP / SIGCONT (in process: cut off from every peer, then reconnected). */
  hang: (others: string[]) => Promise<void>
  resume: () => Promise<void>
  partition: (peers: string[]) => Promise<void>
  owner: () => OwnerApi
}


/** Every child process any simulation in this process started, so an interrupt can kill them all. */
export const children = new Set<ChildProcess>()

export function killAllChildren (): void {
  for (const child of children) {
    try {
      if (child.pid != null) process.kill(child.pid, 'SIGCONT')
      child.kill('SIGKILL')
    } catch {}
  }
  children.clear()
}

class ProcessNode implements SimNode {
  peerId = ''
  addr = ''
  status: SimNode['status'] = 'stopped'
  private child?: ChildProcess
  private api?: ApiClient
  private exited?: Promise<void>

  constructor (readonly spec: SimNodeSpec, private readonly hostScript: string) {}

  async start (): Promise<void> {
    const child = spawn(process.execPath, [this.hostScript, JSON.stringify({ config: this.spec.config, faults: this.spec.faults, gossipWindows: this.spec.gossipWindows })], { stdio: ['pipe', 'pipe', 'pipe'] })
    children.add(child)
    this.child = child
    let stderr = ''
    child.stderr?.on('data', chunk => { stderr = (stderr + String(chunk)).slice(-4000) })
    this.exited = new Promise(resolve => { child.once('exit', () => { children.delete(child); resolve() }) })
    const ready = await new Promise<{ peerId: string, addrs: string[], api: string | null, token: string | null }>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
      lines.once('line', line => {
        try {
          resolve((JSON.parse(line) as { ready: { peerId: string, addrs: string[], api: string | null, token: string | null } }).ready)
        } catch (err) {
          reject(err)
        }
      })
      child.once('exit', code => { reject(new Error(`${this.spec.name} exited (${code}) before it was ready: ${stderr.trim().split('\n').at(-1) ?? ''}`)) })
    })
    this.peerId = ready.peerId
    this.addr = ready.addrs.find(a => a.includes('/ip4/127.0.0.1/')) ?? ready.addrs[0] ?? ''
    if (ready.api != null) this.api = new ApiClient({ url: ready.api, ...(ready.token != null ? { token: ready.token } : {}) })
    this.status = 'up'
  }

  async kill (): Promise<void> {
    if (this.child == null) return
    this.child.kill('SIGKILL')
    await this.exited
    this.status = 'killed'
  }

  async stop (): Promise<void> {
    if (this.child == null) return
    this.child.kill('SIGTERM')
    await this.exited
    this.status = 'stopped'
  }

  async hang (): Promise<void> {
    if (this.child?.pid != null) process.kill(this.child.pid, 'SIGSTOP')
    this.status = 'hung'
  }

  async resume (): Promise<void> {
    if (this.child?.pid != null) process.kill(this.child.pid, 'SIGCONT')
    this.status = 'up'
  }

  async partition (peers: string[]): Promise<void> {
    this.child?.stdin?.write(`${JSON.stringify({ partition: peers })}\n`)
  }

  owner (): OwnerApi {
    const api = this.api
    if (api == null) throw new Error(`${this.spec.name} has no API`)
    return {
      submit: async request => (await api.post<{ ids: string[] }>('/v1/tasks', request)).ids,
      task: async id => await api.get<TaskView>(`/v1/tasks/${id}`),
      output: async id => await api.getBytes(`/v1/tasks/${id}/result`),
      counts: async () => (await api.get<{ counts: Record<string, number> }>('/v1/tasks/stats')).counts,
      reputation: async () => await api.get<PeerReputation[]>('/v1/reputation'),
      alivePeers: async () => (await api.get<Array<{ peerId: string, state: string, connected: boolean }>>('/v1/peers')).filter(p => p.state === 'alive').map(({ peerId, connected }) => ({ peerId, connected }))
    }
  }
}

class InProcessNode implements SimNode {
  peerId = ''
  addr = ''
  status: SimNode['status'] = 'stopped'
  private node?: MeshNode

  constructor (readonly spec: SimNodeSpec, private readonly pool: Piscina) {}

  async start (): Promise<void> {
    const node = createMeshNode({ ...this.spec.config, api: null }, {
      logger: createLogger({ level: 'silent' }),
      builtinPool: this.pool,
      ...(this.spec.faults != null ? { workerHooks: workerFaultHooks(this.spec.faults) } : {}),
      ...(this.spec.gossipWindows != null ? { gossipWindows: this.spec.gossipWindows } : {})
    })
    await node.start()
    this.node = node
    this.peerId = node.peerId
    this.addr = node.status().addrs.find(a => a.includes('/ip4/127.0.0.1/')) ?? ''
    this.status = 'up'
  }

  async kill (): Promise<void> {
    await this.node?.crash()
    this.status = 'killed'
  }

  async stop (): Promise<void> {
    await this.node?.stop()
    this.status = 'stopped'
  }

  async hang (others: string[]): Promise<void> {
    await this.node?.partition(others)
    this.status = 'hung'
  }

  async resume (): Promise<void> {
    await this.node?.partition([])
    this.status = 'up'
  }

  async partition (peers: string[]): Promise<void> {
    await this.node?.partition(peers)
  }

  owner (): OwnerApi {
    const node = this.node
    if (node == null) throw new Error(`${this.spec.name} is not running`)
    return {
      submit: async request => await node.tasks.submit(request),
      task: async id => node.tasks.get(id) as TaskView,
      output: async id => node.tasks.output(id),
      counts: async () => (node.tasks.stats() as { counts: Record<string, number> }).counts,
      reputation: async () => node.reputation(),
      alivePeers: async () => (await node.peers()).filter(p => p.state === 'alive').map(({ peerId, connected }) => ({ peerId, connected }))
    }
  }
}

/** Makes the nodes of one simulation (none started yet). */
export class Cluster {
  private pool?: Piscina
  readonly nodes: SimNode[] = []

  constructor (readonly inProcess: boolean, private readonly hostScript = projectFile(join('scripts', 'sim-node.mjs'))) {}

  add (spec: SimNodeSpec): SimNode {
    const node = this.inProcess ? new InProcessNode(spec, this.pool ??= createBuiltinPool()) : new ProcessNode(spec, this.hostScript)
    this.nodes.push(node)
    return node
  }

  /** Stops what is still running (gracefully, then by force) and the shared pool. */
  async close (): Promise<void> {
    await Promise.all(this.nodes.map(async node => {
      if (node.status === 'hung') await node.resume().catch(() => {})
      if (node.status === 'up' || node.status === 'hung') {
        await Promise.race([node.stop().catch(() => {}), new Promise(resolve => { setTimeout(resolve, 15_000).unref() })])
      }
      if (node.status === 'up' || node.status === 'hung') await node.kill().catch(() => {})
    }))
    if (!this.inProcess) killAllChildren()
    await this.pool?.destroy()
  }
}
