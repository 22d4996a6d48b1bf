import { freemem, loadavg } from 'node:os'
import { join } from 'node:path'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { removeApiFile, writeApiFile } from '../api/api-file.js'
import { ApiServer } from '../api/server.js'
import { systemClock, type Clock } from '../clock.js'
import { MeshError, errorMessage } from '../errors.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { BlobChannel } from '../gossip/blob-channel.js'
import { LeaseChannel } from '../gossip/lease-channel.js'
import { MeshProtocol, type LocalCapacity } from '../gossip/mesh-protocol.js'
import { compileGossipWindows, type GossipWindows } from '../gossip/windows.js'
import { stateAt, type Capability, type PeerState } from '../gossip/peer-table.js'
import { createMetrics, type MeshMetrics } from '../metrics.js'
import { builtinExecutor } from '../tasks/exec/builtins.js'
import type { Piscina } from 'piscina'
import { Reputation, type PeerReputation } from '../reputation/reputation.js'
import { createVerdictCheck, listenForVerdicts } from '../reputation/verdicts.js'
import { Blobs } from '../tasks/blobs.js'
import { StorageQuota } from '../tasks/quota.js'
import { compositeExecutor } from '../tasks/exec/composite.js'
import { wasmExecutor } from '../tasks/exec/wasm.js'
import { WASM_KIND } from '../tasks/spec.js'
import { defaultSupervisorSettings } from '../tasks/exec/process-supervisor.js'
import { DEFAULT_LIFECYCLE } from '../tasks/lifecycle.js'
import { LeaseRouter } from '../tasks/lease-router.js'
import { CommitWindow } from '../tasks/commit-window.js'
import { TaskOwner } from '../tasks/owner.js'
import { taskApi } from '../tasks/task-api.js'
import { BatchCanceller } from '../tasks/batch-cancel.js'
import { TaskStore } from '../tasks/store.js'
import { TaskWorker } from '../tasks/worker.js'
import type { Executor } from '../tasks/exec/executor.js'
import { unrunnableKinds, type UnrunnableKind } from '../tasks/exec/command-check.js'
import type { CommandKind } from '../tasks/exec/command-kinds.js'
import type { WorkerHooks } from '../tasks/worker.js'
import type { ApiTasks } from '../api/server.js'
import type { ReputationHook } from '../reputation/hook.js'
import type { PeerId } from '@libp2p/interface'
import { createLogger, type Logger } from '../logger.js'
import { VERSION } from '../version.js'
import { BootstrapRedialer } from './bootstrap-redialer.js'
import { PeerKeeper } from './peer-keeper.js'
import { ReachabilityCheck, type Reachability } from './reachability.js'
import { RelayedTraffic } from './relayed-traffic.js'
import { Timeline } from './timeline.js'
import { RelayKeeper, isRelayed, type AvoidedRelay } from './relays.js'
import { InboundSlots } from './inbound-slots.js'
import { ConnectionTrimmer } from './connection-trimmer.js'
import { compileConfig, type MeshNodeConfig, type RawConfig } from './config.js'
import { lockDataDir } from './data-dir-lock.js'
import { PeerDatastore } from './datastore.js'
import { ensureDataDir, ensurePrivateFile, loadOrCreatePrivateKey } from './identity.js'
import { buildLibp2p, clearStaleBootstrapTags, learnAddresses, startListening, type MeshLibp2p } from './libp2p.js'
import { readSwarmKey } from './swarm-key.js'
import { DialFailures, describeDialError, dialFailureReason, type FailureCounts } from './dial-failures.js'

export interface MeshNodeStatus {
  peerId: string
  network: string
  version: string
  /** Full listen multiaddrs, each ending in /p2p/<peer id>. */
  addrs: string[]
  /** Number of connected peers. */
  peers: number
  uptimeMs: number
  privateNetwork: boolean
  mdns: boolean
  dht: boolean
  api: string | null
  /** Outbound dials that failed since start, by reason (./dial-failures.ts: private_network, refused, timeout, ...). */
  failedDials: FailureCounts
  /** Inbound connections that failed their handshake since start, by reason. */
  failedInbound: FailureCounts
  /** Whether peers can dial this node (./reachability.ts): public, private (behind a NAT or a firewall), or unknown yet. */
  reachability: Reachability
  /** Where peers saw this node's connections come from (at its listen port), newest first. */
  observedAddrs: string[]
  /** Addresses the operator announced (`--announce`), which this node gives peers instead of its listen addresses. */
  announcedAddrs: string[]
  /** This node's addresses through relays (held while it is private), and the relays' peer ids. */
  relayAddrs: string[]
  relays: string[]
  /** Relays this node does not reserve on for now: they refused it, or held its reservation without forwarding. */
  avoidedRelays: AvoidedRelay[]
  /** What this node grants as a relay (`--relay`), and the reservations it holds for peers now; null when it is not one. */
  relay: { reservations: number, maxReservations: number, durationMs: number, dataBytes: number } | null
}

export interface PeerSummary {
  peerId: string
  addrs: string[]
  connected: boolean
  /** From heartbeats: alive, suspect or gone; `unknown` for a peer never heard from. */
  state: PeerState | 'unknown'
  capabilities: Capability[]
  slots: { free: number, total: number } | null
  /** Time since its last heartbeat, or null if none was heard. */
  lastSeenMs: number | null
  /** When this node was last connected to it (ms since the epoch; remembered across restarts), or null. */
  lastConnectedAt: number | null
  /** When it last did work with this node (a grant or a result between them), or null. */
  workedAt: number | null
  /** For an unconnected peer this node is redialling: when the next dial is due, else null. */
  nextDialAt: number | null
  /** Failed dials in a row since the last connection. */
  dialFailures: number
  /** How this node is connected to it: `direct` (one side dialled the other), `relayed` (through a relay, limited), or null. */
  connection: 'direct' | 'relayed' | null
}

export interface MeshNodeDeps {
  /** Per-node logger; silent when not given. */
  logger?: Logger
  clock?: Clock
  reputation?: ReputationHook
  /** What the heartbeat advertises; the node's slots and the machine's memory and load by default. */
  capacity?: () => LocalCapacity
  /** Runs task kinds; the built-ins by default. */
  executor?: Executor
  /** A worker-thread pool for the built-in kinds, to share one among nodes of a process; one per node otherwise. */
  builtinPool?: Piscina
  /** Uniform in [0, 1) for backoff jitter and spot checks; Math.random by default. */
  random?: () => number
  /**
   * Hooks into the worker, for tests and the simulation only (no flag or config key reaches this):
   * its liars and slow workers (src/sim/worker-faults.ts).
   */
  workerHooks?: WorkerHooks
  /**
   * Shorter gossip timing windows (timestamp window, and with it the seen cache), for tests and
   * the simulation only: every node of a network must use the same ones (src/gossip/windows.ts).
   */
  gossipWindows?: { maxAgeMs?: number, futureSkewMs?: number, maxHeartbeatMs?: number }
}

/** The parts that exist only while the node runs. */
interface Running {
  libp2p: MeshLibp2p
  datastore: PeerDatastore
  protocol: MeshProtocol
  leases: LeaseChannel
  blobChannel: BlobChannel
  stopVerdicts: () => void
  /** Listeners this run added to libp2p and to reputation, removed at stop. */
  offs: Array<() => void>
  store: TaskStore
  /** The group commit window owner and worker share. */
  window: CommitWindow
  owner: TaskOwner
  worker?: TaskWorker
  canceller: BatchCanceller
  redialer: BootstrapRedialer
  keeper: PeerKeeper
  reachability: ReachabilityCheck
  relays: RelayKeeper
  trimmer: ConnectionTrimmer
  api?: ApiServer
  unlock: () => Promise<void>
  startedAt: number
  failures: DialFailures
}

/**
 * One mesh node: libp2p, its wire protocol (gossip and lease stream), its data dir and its control API. Nothing here is a
 * module-level singleton, so any number of nodes run side by side in one process.
 */
export class MeshNode {
  readonly config: MeshNodeConfig
  readonly logger: Logger
  readonly metrics: MeshMetrics
  private readonly clock: Clock
  private readonly peerJudge: ReputationHook
  private readonly capacity: () => LocalCapacity
  private readonly executor: Executor
  /** The command kinds this node offers: the declared ones whose programs resolve to executables. */
  private readonly commands: Map<string, CommandKind>
  private readonly builtins: ReturnType<typeof builtinExecutor>
  private readonly random: () => number
  private readonly workerHooks?: WorkerHooks
  private readonly gossipWindows: GossipWindows
  /** Peers this node refuses to talk to (simulated partitions). */
  private readonly blocked = new Set<string>()
  /** Peers the gater does not dial afresh for now (./reachability.ts: dial-backs through a relay). */
  private readonly noNewDials = new Set<string>()
  /** Bytes over relayed connections, counted across restarts of this node object (a monotonic /metrics counter). */
  private readonly relayedTraffic = new RelayedTraffic()
  /** The last hour, a sample a second (the dashboard's charts): kept across restarts of this node object. */
  readonly timeline: Timeline
  private crashing = false
  private running?: Running
  /** The node being stopped, while its stop runs. */
  private stopping?: Running
  /** start() and stop() run one at a time, in call order. */
  private transitions: Promise<void> = Promise.resolve()

  constructor (config: MeshNodeConfig, deps: MeshNodeDeps = {}) {
    this.config = config
    this.logger = deps.logger ?? createLogger({ level: 'silent' })
    this.clock = deps.clock ?? systemClock
    this.metrics = createMetrics()
    this.timeline = new Timeline(this.clock, {
      peersAlive: () => this.aliveConnectedPeers(),
      scores: () => this.reputation().map(record => record.score),
      running: () => this.running?.worker?.runningCount() ?? 0
    })
    this.peerJudge = deps.reputation ?? new Reputation({ clock: this.clock, logger: this.logger })
    this.workerHooks = deps.workerHooks
    this.gossipWindows = compileGossipWindows(deps.gossipWindows)
    this.builtins = builtinExecutor(this.clock, deps.builtinPool)
    const wasm = config.allowWasm
      ? wasmExecutor({ clock: this.clock, maxMemoryBytes: config.wasmMaxMemoryBytes, maxTimeMs: config.wasmMaxTimeMs, maxOutputBytes: config.wasmMaxOutputBytes })
      : undefined
    // The kinds offered are the declared ones whose programs resolve, checked at each start.
    this.commands = new Map(config.exec)
    this.executor = deps.executor ?? compositeExecutor(this.builtins, this.commands, { ...defaultSupervisorSettings(this.clock), killGraceMs: config.killGraceMs }, wasm)
    this.random = deps.random ?? Math.random
    this.capacity = deps.capacity ?? (() => {
      const worker = this.running?.worker
      return {
        capabilities: worker == null ? [] : this.executor.capabilities(),
        slotsFree: worker == null ? 0 : worker.freeSlots(),
        slotsTotal: worker == null ? 0 : config.slots,
        memoryFree: worker == null ? 0 : Math.min(freemem(), worker.freeMemory()),
        load: loadavg()[0] ?? 0
      }
    })
  }

  /** The task operations of this node (it owns what is submitted to it). */
  get tasks (): ApiTasks {
    return taskApi(() => this.require().owner, () => this.running?.worker, () => this.require().store, this.clock, () => this.require().canceller)
  }

  get isStarted (): boolean {
    return this.running != null
  }

  get libp2p (): MeshLibp2p {
    return this.require().libp2p
  }

  /** The gossiped protocol: typed topics, heartbeats, the peer table. */
  get protocol (): MeshProtocol {
    return this.require().protocol
  }

  /** The point-to-point lease protocol. */
  get leases (): LeaseChannel {
    return this.require().leases
  }

  /**
   * Simulations only: refuse these peers (and close any connection to them) until the next call;
   * an empty list heals the partition. Peers learn of each other again through heartbeats and
   * bootstrap redials.
   */
  async partition (peers: string[]): Promise<void> {
    this.blocked.clear()
    for (const peer of peers) this.blocked.add(peer)
    const libp2p = this.running?.libp2p
    if (libp2p == null) return
    await Promise.all(peers.map(async peer => { await libp2p.hangUp(peerIdFromString(peer)).catch(() => {}) }))
  }

  /**
   * Simulations only: stop as a crash would, without a word to anyone: the network goes first,
   * so no release or result leaves, then everything else is closed and the lock released.
   */
  async crash (): Promise<void> {
    const running = this.running
    if (running == null) return
    this.crashing = true
    try {
      await running.libp2p.stop()
    } catch {}
    try {
      await this.stop()
    } finally {
      this.crashing = false
    }
  }

  /**
   * During stop(): end the drain now. Running tasks are stopped (their processes killed) and
   * their leases released at once instead of at the drain bound. What a second signal does.
   */
  endDrain (): void {
    this.stopping?.worker?.endDrain()
  }

  /** The control API's bearer token while the node runs with an API (also in api.token in the data dir). */
  get apiToken (): string | undefined {
    return this.running?.api?.token
  }

  /** This node's judgement of every peer it has a record of, lowest score first. */
  reputation (): PeerReputation[] {
    return this.peerJudge instanceof Reputation ? this.peerJudge.list() : []
  }

  /** The point-to-point blob protocol (large inputs, modules and outputs by hash). */
  get blobChannel (): BlobChannel {
    return this.require().blobChannel
  }

  get peerId (): string {
    return this.require().libp2p.peerId.toString()
  }

  /** URL of the control API, or null when the node runs without one. */
  get apiUrl (): string | null {
    return this.running?.api?.url ?? null
  }

  get apiServer (): ApiServer | undefined {
    return this.running?.api
  }

  async start (): Promise<void> {
    await this.serialize(async () => { if (this.running == null) await this.doStart() })
  }

  async stop (): Promise<void> {
    await this.serialize(async () => { if (this.running != null) await this.doStop() })
  }

  private async serialize (step: () => Promise<void>): Promise<void> {
    const next = this.transitions.then(step)
    this.transitions = next.catch(() => {})
    await next
  }

  status (): MeshNodeStatus {
    const { libp2p, startedAt, api, failures, reachability, relays } = this.require()
    const failed = failures.snapshot()
    return {
      peerId: libp2p.peerId.toString(),
      network: this.config.network,
      version: VERSION,
      addrs: libp2p.getMultiaddrs().map(addr => addr.toString()),
      peers: libp2p.getPeers().length,
      uptimeMs: this.clock.now() - startedAt,
      privateNetwork: this.config.swarmKeyFile != null,
      mdns: this.config.mdns,
      dht: this.config.dht,
      api: api?.url ?? null,
      failedDials: failed.outbound,
      failedInbound: failed.inbound,
      reachability: reachability.state(),
      observedAddrs: reachability.observedAddrs(),
      announcedAddrs: this.config.announce,
      relayAddrs: relays.relayAddrs(),
      relays: relays.relays(),
      avoidedRelays: relays.avoidedRelays(),
      relay: libp2p.services.relay == null ? null : { reservations: libp2p.services.relay.reservations.size, ...this.config.relayLimits }
    }
  }

  /**
   * Peers this node knows, from its peer store, its connections and the heartbeats it hears:
   * addresses, connected or not, heartbeat state, capabilities and slots. Connected first.
   */
  async peers (): Promise<PeerSummary[]> {
    const { libp2p, protocol, keeper } = this.require()
    const self = libp2p.peerId.toString()
    const known = new Map<string, PeerSummary>()
    const entry = (peerId: string): PeerSummary => {
      let found = known.get(peerId)
      if (found == null) {
        found = { peerId, addrs: [], connected: false, connection: null, state: 'unknown', capabilities: [], slots: null, lastSeenMs: null, ...keeper.describe(peerId) }
        known.set(peerId, found)
      }
      return found
    }
    for (const peer of await libp2p.peerStore.all()) {
      // The peer store can hold one address twice (learnt from identify and from a heartbeat): each once.
      if (peer.id.toString() !== self) entry(peer.id.toString()).addrs = [...new Set(peer.addresses.map(a => a.multiaddr.toString()))]
    }
    for (const connection of libp2p.getConnections()) {
      const found = entry(connection.remotePeer.toString())
      found.connected = true
      // A direct connection wins over a relayed one to the same peer.
      found.connection = !isRelayed(connection) || found.connection === 'direct' ? 'direct' : 'relayed'
      found.nextDialAt = null
      // The address this node dialled it at, or the relay's circuit address it came through; a
      // direct inbound connection's is the peer's source port, which nobody can dial: not listed.
      const remote = connection.remoteAddr.toString()
      if ((connection.direction === 'outbound' || isRelayed(connection)) && !found.addrs.includes(remote)) found.addrs.push(remote)
    }
    // Read the time after the awaits above: heartbeats that arrived meanwhile are not in the future.
    const now = this.clock.now()
    for (const record of protocol.peerTable.list()) {
      const found = entry(record.peerId)
      found.state = stateAt(record, now)
      found.capabilities = record.capabilities
      found.slots = { free: record.slotsFree, total: record.slotsTotal }
      found.lastSeenMs = now - record.lastSeen
    }
    return [...known.values()].sort((a, b) => Number(b.connected) - Number(a.connected) || a.peerId.localeCompare(b.peerId))
  }

  /** Peers alive in the heartbeat table and connected now. */
  private aliveConnectedPeers (): number {
    const protocol = this.running?.protocol
    if (protocol == null) return 0
    const now = this.clock.now()
    let alive = 0
    for (const record of protocol.peerTable.list()) if (record.connected && stateAt(record, now) === 'alive') alive++
    return alive
  }

  private clearMetricSources (): void {
    const sources = this.metrics.sources
    delete sources.connections
    delete sources.relaysHeld
    delete sources.reservationsServed
    delete sources.relayedBytes
  }

  /** Prometheus text exposition of this node's metrics. */
  async metricsText (): Promise<string> {
    return await this.metrics.registry.metrics()
  }

  /** Connects to a peer by multiaddr (with /p2p/<id>); returns the peer id. */
  async dial (addr: string): Promise<{ peerId: string }> {
    const { libp2p } = this.require()
    let target
    try {
      target = multiaddr(addr)
    } catch (err) {
      throw new MeshError('BAD_REQUEST', `not a multiaddr: ${addr}`, { addr }, { cause: err })
    }
    try {
      const connection = await libp2p.dial(target, { signal: AbortSignal.timeout(10_000) })
      return { peerId: connection.remotePeer.toString() }
    } catch (err) {
      throw new MeshError('DIAL_FAILED', `cannot dial ${addr}: ${describeDialError(err)}`, { addr, reason: dialFailureReason(err) }, { cause: err })
    }
  }

  private require (): Running {
    if (this.running == null) throw new MeshError('NOT_STARTED', 'the node is not started')
    return this.running
  }

  /**
   * Offers only the command kinds whose programs resolve to executables, saying in one line per
   * kind which are left out; with `strictExec` a kind that cannot run refuses the start.
   */
  private checkCommandKinds (): void {
    const unrunnable = unrunnableKinds(this.config.exec)
    const describe = (u: UnrunnableKind): string => `command kind ${u.kind}: ${u.program}: ${u.reason}`
    if (this.config.strictExec && unrunnable.length > 0) {
      throw new MeshError('CONFIG_INVALID', `${describe(unrunnable[0] as UnrunnableKind)} (strictExec: refusing to start)`, { unrunnable })
    }
    this.commands.clear()
    for (const [kind, spec] of this.config.exec) this.commands.set(kind, spec)
    for (const u of unrunnable) {
      this.commands.delete(u.kind)
      this.logger.warn({ kind: u.kind, program: u.program }, `${describe(u)}; not offered (--strict-exec refuses to start instead)`)
    }
  }

  private async doStart (): Promise<void> {
    const { config } = this
    this.checkCommandKinds()
    await ensureDataDir(config.dataDir)
    const swarmKey = config.swarmKeyFile != null ? await readSwarmKey(config.swarmKeyFile) : undefined
    const unlock = await lockDataDir(config.dataDir)
    const cleanup: Array<() => Promise<void>> = [unlock]
    try {
      const privateKey = await loadOrCreatePrivateKey(config.dataDir)
      const datastore = new PeerDatastore(join(config.dataDir, 'datastore'))
      await datastore.open()
      cleanup.unshift(async () => { await datastore.close() })
      const inbound = new InboundSlots(config.inbound, { logger: this.logger, metrics: this.metrics })
      const failures = new DialFailures({ privateNetwork: swarmKey != null, logger: this.logger, clock: this.clock })
      const libp2p = await buildLibp2p({ config, privateKey, datastore, reputation: this.peerJudge, blocked: this.blocked, noNewDials: this.noNewDials, inbound, failures, windows: this.gossipWindows, ...(swarmKey != null ? { swarmKey } : {}) })
      await clearStaleBootstrapTags(libp2p, config.bootstrap)
      await startListening(libp2p)
      cleanup.unshift(async () => { await libp2p.stop() })
      const logger = this.logger
      // Set once the owner and worker exist (the keeper asks them which peers their work needs).
      let keeper: PeerKeeper | undefined
      const redialer = new BootstrapRedialer({ libp2p, addrs: config.bootstrap, intervalMs: config.bootstrapRedialMs, clock: this.clock, logger })
      redialer.start()
      const shared = { network: config.network, clock: this.clock, logger, metrics: this.metrics, reputation: this.peerJudge }
      const protocol = new MeshProtocol({
        ...shared,
        pubsub: libp2p.services.pubsub,
        selfId: libp2p.peerId,
        windows: this.gossipWindows,
        heartbeat: {
          baseMs: config.heartbeatMs,
          maxPerSecond: config.heartbeatMaxPerSecond,
          capacity: this.capacity,
          agent: `mesh-node/${VERSION}`,
          addrs: () => libp2p.getMultiaddrs().map(addr => addr.decapsulateCode(CODE_P2P).bytes)
        },
        checkVerdict: createVerdictCheck({ clock: this.clock }),
        // Peers learn each other's addresses from heartbeats, so a worker can reach an owner it
        // only heard of through gossip (claims, results and renewals go point-to-point).
        learnAddrs: (peer, addrs) => { void learnAddresses(libp2p, peer, addrs, logger).then(() => { keeper?.addressesChanged(peer) }) },
        isValued: peer => keeper?.didWork(peer) ?? false
      })
      // Only peers with a connection count as capacity (a heartbeat can be relayed for a made-up author).
      const tracking = (connected: boolean) => (event: CustomEvent<PeerId>): void => { protocol.peerTable.setConnected(event.detail.toString(), connected) }
      const trackConnect = tracking(true)
      const trackDisconnect = tracking(false)
      libp2p.addEventListener('peer:connect', trackConnect)
      libp2p.addEventListener('peer:disconnect', trackDisconnect)
      for (const connection of libp2p.getConnections()) protocol.peerTable.setConnected(connection.remotePeer.toString(), true)
      const offs: Array<() => void> = [() => {
        libp2p.removeEventListener('peer:connect', trackConnect)
        libp2p.removeEventListener('peer:disconnect', trackDisconnect)
      }]
      cleanup.unshift(async () => { for (const off of offs) off() })
      protocol.start()
      const leases = new LeaseChannel({ ...shared, libp2p })
      await leases.start()
      cleanup.unshift(async () => { await leases.stop(); protocol.stop(); redialer.stop() })
      await ensurePrivateFile(join(config.dataDir, 'mesh.db'))
      const store = new TaskStore(join(config.dataDir, 'mesh.db'))
      cleanup.unshift(async () => { store.close() })
      const self = libp2p.peerId.toString()
      const blobChannel: BlobChannel = new BlobChannel({ ...shared, libp2p, source: (hash, peer) => blobs.serve(hash, peer) })
      const quota = new StorageQuota({ store, limits: config.quotas, reputation: this.peerJudge, logger })
      const blobs = new Blobs(store, blobChannel, self, this.clock, (peer, bytes) => quota.roomForCache(peer, bytes))
      const reputation = this.peerJudge
      if (reputation instanceof Reputation) {
        reputation.attach(store, self)
        cleanup.unshift(async () => { reputation.detach() })
      }
      const stopVerdicts = reputation instanceof Reputation ? listenForVerdicts(protocol, reputation) : () => {}
      cleanup.unshift(async () => { stopVerdicts() })
      await blobChannel.start()
      cleanup.unshift(async () => { await blobChannel.stop() })
      const router = new LeaseRouter(leases, self, logger)
      // Group commit for owner and worker alike: one transaction per event-loop turn, messages after it.
      const window = new CommitWindow(store, async (peer, messages) => { await router.send(peer, messages) }, err => {
        logger.warn({ err: (err as Error).message }, 'the store cannot write (is the disk full?): the changes of the last moment are rolled back; peers send again')
      }, { waitForDevice: config.syncLeaseMessages })
      const worker = config.worker
        ? new TaskWorker({
          window,
          selfId: libp2p.peerId,
          privateKey,
          protocol,
          router,
          executor: this.executor,
          store,
          blobs,
          quota,
          slots: config.slots,
          memoryBytes: config.memoryBytes,
          // A wasm module's memory maximum (the offer's memory need at least) within this node's cap.
          admits: offer => offer.kind !== WASM_KIND || offer.memoryBytes <= config.wasmMaxMemoryBytes,
          reputation: this.peerJudge,
          ...(this.workerHooks != null ? { hooks: this.workerHooks } : {}),
          clock: this.clock,
          logger
        })
        : undefined
      const owner = new TaskOwner({
        selfId: libp2p.peerId,
        protocol,
        router,
        store,
        blobs,
        ...(worker != null ? { worker } : {}),
        deterministicKinds: new Set(this.executor.capabilities().filter(c => c.deterministic).map(c => c.kind)),
        runsLocally: kind => worker != null && this.executor.canRun(kind),
        clock: this.clock,
        logger,
        reputation: this.peerJudge,
        lifecycle: { ...DEFAULT_LIFECYCLE, leaseTtlMs: config.leaseTtlMs, random: this.random },
        reannounceMs: config.reannounceMs,
        retentionMs: config.retentionMs,
        probationLeases: config.probationLeases,
        residentTasks: config.residentTasks,
        window,
        onFinished: (task, at) => { this.timeline.finishedTask(task.state, task.createdAt, at) }
      })
      blobs.taskBlobAccess = (hash, peer) => owner.grantsBlob(hash, peer)
      const canceller = new BatchCanceller({ cancel: (ids, reason) => owner.cancelMany(ids, reason), unfinished: (key, after, limit) => store.batches.unfinished(key, after, limit), clock: this.clock, logger })
      worker?.start()
      owner.start()
      canceller.start()
      cleanup.unshift(async () => { canceller.stop(); await worker?.stop(); owner.stop() })
      const wanted = (): string[] => [...owner.leaseHolders(), ...(worker?.ownersOwed() ?? [])]
      const peerKeeper = new PeerKeeper({
        libp2p,
        clock: this.clock,
        logger,
        random: this.random,
        wanted,
        excluded: peer => this.peerJudge.stateOf?.(peer) === 'banned'
      }, { targetPeers: config.targetPeers, maxBackoffMs: config.redialMaxBackoffMs, maxKnownPeers: config.maxKnownPeers })
      keeper = peerKeeper
      // A grant or a result between two peers is work done together: such peers are redialled first and forgotten last.
      const offWorked = leases.on((body, from) => { if (body.type === 'grant' || body.type === 'result') peerKeeper.noteWorked(from) })
      peerKeeper.start()
      const trimmer = new ConnectionTrimmer({ libp2p, logger, wanted, didWork: peer => peerKeeper.didWork(peer) }, config.maxConnections)
      trimmer.start()
      // A worker with results for a peer sends them as soon as it is connected again.
      const onConnect = (event: CustomEvent<PeerId>): void => { worker?.peerConnected(event.detail.toString()) }
      // Requests for work stand only while the connection that carried them does.
      const onDisconnect = (event: CustomEvent<PeerId>): void => { owner.peerGone(event.detail.toString()); worker?.peerGone(event.detail.toString()) }
      libp2p.addEventListener('peer:connect', onConnect)
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      offs.push(offWorked, () => { libp2p.removeEventListener('peer:connect', onConnect); libp2p.removeEventListener('peer:disconnect', onDisconnect) })
      cleanup.unshift(async () => { peerKeeper.stop(); trimmer.stop() })
      const reachability = new ReachabilityCheck({ libp2p, network: config.network, clock: this.clock, logger, reputation: this.peerJudge, noNewDials: this.noNewDials })
      await reachability.start()
      cleanup.unshift(async () => { await reachability.stop() })
      const relays = new RelayKeeper({ libp2p, reachability: () => reachability.state(), probe: async relay => await reachability.probeRelay(relay), clock: this.clock, logger })
      relays.start()
      cleanup.unshift(async () => { relays.stop() })
      this.timeline.start()
      cleanup.unshift(async () => { this.timeline.stop() })
      const relayedTraffic = this.relayedTraffic
      relayedTraffic.start(libp2p)
      cleanup.unshift(async () => { relayedTraffic.stop() })
      Object.assign(this.metrics.sources, {
        connections: () => {
          const counts = { direct: 0, relayed: 0 }
          for (const c of libp2p.getConnections()) counts[isRelayed(c) ? 'relayed' : 'direct']++
          return counts
        },
        relaysHeld: () => relays.relays().length,
        reservationsServed: () => libp2p.services.relay?.reservations.size ?? 0,
        relayedBytes: () => relayedTraffic.bytes()
      })
      cleanup.unshift(async () => { this.clearMetricSources() })
      let api: ApiServer | undefined
      if (config.api != null) {
        api = new ApiServer({ node: this, host: config.api.host, port: config.api.port, logger, dataDir: config.dataDir })
        await api.start()
        cleanup.unshift(async () => { await api?.stop() })
        await writeApiFile(config.dataDir, { url: api.url })
      }
      this.running = { libp2p, datastore, protocol, leases, blobChannel, store, window, stopVerdicts, offs, owner, ...(worker != null ? { worker } : {}), canceller, redialer, keeper: peerKeeper, reachability, relays, trimmer, unlock, startedAt: this.clock.now(), failures, ...(api != null ? { api } : {}) }
      logger.info({ peerId: libp2p.peerId.toString(), network: config.network, api: api?.url }, 'node started')
    } catch (err) {
      for (const step of cleanup) await step().catch(() => {})
      throw err
    }
  }

  private async doStop (): Promise<void> {
    const running = this.running
    if (running == null) return
    this.running = undefined
    this.stopping = running
    const { api } = running
    // Every step runs even if an earlier one fails, so the lock is always released.
    const steps: Array<() => unknown> = [
      // After the drain: releases, and stopped tasks' processes killed (SIGKILL after the kill grace).
      async () => { await running.worker?.stop(this.crashing ? 0 : this.config.drainTimeoutMs, this.config.killGraceMs + 2000) },
      () => { running.canceller.stop() },
      () => { running.owner.stop() },
      async () => { await running.leases.stop() },
      async () => { await running.blobChannel.stop() },
      () => { running.stopVerdicts() },
      () => { running.protocol.stop() },
      () => { running.redialer.stop() },
      () => { running.keeper.stop() },
      async () => { await running.reachability.stop() },
      () => { running.relays.stop() },
      () => { this.clearMetricSources() },
      () => { running.trimmer.stop() },
      () => { for (const off of running.offs) off() },
      async () => { if (api != null) await removeApiFile(this.config.dataDir, api.url) },
      async () => { await api?.stop() },
      async () => { await running.libp2p.stop() },
      async () => { await running.datastore.close() },
      () => { if (this.peerJudge instanceof Reputation) this.peerJudge.detach() },
      // What the window holds (a worker's kept results, lazily written) is written; a crash keeps
      // only what was committed, as a killed process would.
      () => { if (!this.crashing) running.window.flush() },
      () => { running.store.close() },
      async () => { await this.builtins.close() },
      async () => { await running.unlock() }
    ]
    const errors: unknown[] = []
    for (const step of steps) {
      try {
        await step()
      } catch (err) {
        errors.push(err)
      }
    }
    this.stopping = undefined
    if (errors.length > 0) throw errors[0]
    this.logger.info('node stopped')
  }
}

/**
 * The library entry point: validates the options (throws a CONFIG_INVALID MeshError naming the
 * field) and returns a node that is not started yet.
 */
export function createMeshNode (config: RawConfig, deps: MeshNodeDeps = {}): MeshNode {
  return new MeshNode(compileConfig(config), deps)
}
