import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adversaryReport, startAttackers } from './adversary.js'
import { ATTACKS, type AttackName, type Attacker } from './attacker.js'
import { Cluster, type OwnerApi, type Role, type SimNode, type SimNodeSpec } from './cluster.js'
import { percentile, reclaimTimes, reportHtml, type SimReport } from './report.js'
import { plan, seeded, type Random, type Scenario } from './scenarios.js'
import { sha256, toHex } from '../tasks/spec.js'
import type { RawConfig } from '../node/config.js'
import type { TaskView } from '../tasks/owner.js'

/**
 * One simulation run: an owner and N-1 workers on 127.0.0.1, a workload submitted at a steady
 * rate over the fault window, the scenario's faults at their times, then a wait for every task to
 * finish, and the report.
 */

export interface SimOptions {
  scenario: Scenario
  nodes: number
  tasks: number
  kind: string
  /** Replicas per task; the scenario's choice when absent. */
  redundancy?: number
  seed: number
  inProcess: boolean
  /** Where report.json and report.html go. */
  out: string
  /** The fault window: submissions and faults happen in it. */
  windowMs: number
  leaseTtlMs: number
  /** How long to wait after the window for the remaining tasks. */
  settleMs: number
  /** Adversarial scenario: how many of the nodes are attackers (wire attackers and liars). */
  attackers?: number
  /** Adversarial scenario: the attacks the wire attackers mount (all when absent). */
  attacks?: AttackName[]
  /** Adversarial scenario: the honest p50 latency of the same seed without attackers, for the report. */
  baselineP50Ms?: number | null
}

export interface SimIo {
  /** A progress line (the caller rewrites it in place on a terminal). */
  progress: (line: string) => void
  log: (line: string) => void
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled'])

/** The adversarial scenario's gossip windows (the default keeps messages 2 minutes, longer than a short run). */
const ADVERSARIAL_WINDOWS = { maxAgeMs: 12_000, futureSkewMs: 3_000 }

/** Every this many tasks of the adversarial workload, one is an `echo` of a large input: over the inline limit, so its workers fetch it by hash from the owner and keep a copy. */
const PRIVATE_EVERY = 4

/** A private input: above the 64 KiB inline limit. */
function privateInput (seed: number, i: number): string {
  return `sim ${seed} private input ${i} `.padEnd(70 * 1024, `${(seed * 7919 + i).toString(36)}.`)
}

/** The task input and the output it must produce, for the kinds whose output the simulation can check. */
function workload (kind: string, count: number, seed: number, random: Random, privateEvery = 0): Array<{ input: string, expected: string | null, kind?: string }> {
  return Array.from({ length: count }, (_, i) => {
    if (privateEvery > 0 && i % privateEvery === privateEvery - 1) {
      const input = privateInput(seed, i)
      return { input, expected: input, kind: 'echo' }
    }
    if (kind === 'sleep') {
      const ms = String(random.int(200, 800))
      return { input: ms, expected: ms }
    }
    const input = `sim ${seed} task ${i}`
    if (kind === 'echo') return { input, expected: input }
    if (kind === 'sha256') return { input, expected: createHash('sha256').update(input).digest('hex') }
    if (kind === 'hash-loop') {
      const rounds = 1000 + i
      let digest = createHash('sha256').update(String(rounds)).digest()
      for (let r = 0; r < rounds; r++) digest = createHash('sha256').update(digest).digest()
      return { input: String(rounds), expected: digest.toString('hex') }
    }
    return { input, expected: null }
  })
}

const finishedAtOf = (view: TaskView): number | undefined => view.history.find(h => h.state === 'succeeded')?.at

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Retries an owner call while the owner is down (restarting), up to `boundMs`. */
async function withOwner<T> (owner: () => SimNode, call: (api: OwnerApi) => Promise<T>, boundMs = 30_000): Promise<T> {
  const until = Date.now() + boundMs
  for (;;) {
    try {
      const node = owner()
      if (node.status !== 'up') throw new Error('owner down')
      return await call(node.owner())
    } catch (err) {
      if (Date.now() > until) throw err
      await sleep(250)
    }
  }
}

export async function runSimulation (options: SimOptions, io: SimIo): Promise<SimReport> {
  const random = seeded(options.seed)
  const root = await mkdtemp(join(tmpdir(), 'mesh-sim-'))
  const cluster = new Cluster(options.inProcess)
  const workers = Math.max(1, options.nodes - 1)
  const adversarial = options.scenario === 'adversarial'
  const schedule = plan(options.scenario, workers, options.windowMs, options.leaseTtlMs, random, options.attackers ?? 0)
  const redundancy = options.redundancy ?? schedule.redundancy
  const base: RawConfig = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, heartbeatMs: 500, reannounceMs: 500, logLevel: 'warn', network: `sim-${options.seed}` }
  // Adversarial: every honest node has an API (its reputation table goes in the report), and
  // gossip windows short enough that an attacker's replays turn stale within the run.
  const gossipWindows = adversarial ? ADVERSARIAL_WINDOWS : undefined
  let owner: SimNode | undefined
  const ownerAddr = (): string[] => owner?.addr != null && owner.addr !== '' ? [owner.addr] : []
  const workerNodes: SimNode[] = []
  const specFor = (name: string, role: Role): SimNodeSpec => ({
    name,
    role,
    dataDir: join(root, name),
    config: { ...base, dataDir: join(root, name), api: adversarial ? '127.0.0.1:0' : null, slots: 4, drainTimeoutMs: 2000, bootstrap: ownerAddr() },
    ...(gossipWindows != null ? { gossipWindows } : {}),
    ...(role === 'liar' ? { faults: { lie: 'random' as const } } : role === 'slow' ? { faults: { delayMs: 1000 } } : {})
  })
  const startWorker = async (node: SimNode): Promise<void> => {
    node.spec.config.bootstrap = ownerAddr()
    await node.start()
  }
  const faults: SimReport['faults'] = []
  const outages: Array<{ peerId: string, at: number }> = []
  const reputationOverTime: SimReport['reputationOverTime'] = []
  let attackers: Attacker[] = []
  let phantomPeersAlive = 0
  let phantomPeersCounted = 0
  const started = Date.now()
  try {
    owner = cluster.add({ name: 'owner', role: 'owner', dataDir: join(root, 'owner'), config: { ...base, dataDir: join(root, 'owner'), api: '127.0.0.1:0', worker: false, leaseTtlMs: options.leaseTtlMs }, ...(gossipWindows != null ? { gossipWindows } : {}) })
    await owner.start()
    // The owner keeps its port across a restart, as a real node with a configured address does:
    // workers (and a healed partition) find it again through their bootstrap entry.
    const port = /\/tcp\/(\d+)/.exec(owner.addr)?.[1]
    if (port != null) owner.spec.config.listen = [`/ip4/127.0.0.1/tcp/${port}`]
    const attackerNames: string[] = []
    for (const [i, role] of schedule.roles.entries()) {
      if (role === 'attacker') attackerNames.push(`a${attackerNames.length + 1}`)
      else workerNodes.push(cluster.add(specFor(`w${i + 1}`, role)))
    }
    io.log(`starting ${options.nodes} nodes (${options.inProcess ? 'in this process' : 'as processes'}) in ${root}`)
    for (let i = 0; i < workerNodes.length; i += 8) await Promise.all(workerNodes.slice(i, i + 8).map(startWorker))
    const getOwner = (): SimNode => owner as SimNode
    const until = Date.now() + 60_000
    while ((await withOwner(getOwner, async api => await api.alivePeers())).length < workerNodes.length && Date.now() < until) await sleep(250)
    const honestIds = (): string[] => [owner as SimNode, ...workerNodes].filter(n => n.spec.role !== 'liar').map(n => n.peerId)
    if (attackerNames.length > 0) {
      attackers = await startAttackers({
        count: attackerNames.length,
        network: base.network as string,
        seed: options.seed,
        kinds: [options.kind, 'echo'],
        addrs: [owner, ...workerNodes].map(n => n.addr),
        honest: honestIds,
        windowMs: options.windowMs,
        replayAgeMs: ADVERSARIAL_WINDOWS.maxAgeMs + 2 * ADVERSARIAL_WINDOWS.futureSkewMs,
        attacks: new Set(options.attacks ?? ATTACKS)
      })
      io.log(`${attackerNames.length} wire attackers joined`)
    }

    // The workload, submitted at a steady rate over most of the window; the faults at their times.
    const work = workload(options.kind, options.tasks, options.seed, random, adversarial ? PRIVATE_EVERY : 0)
    const ids: string[] = new Array(work.length)
    const t0 = Date.now()
    const submitEvery = (options.windowMs * 0.8) / Math.max(1, work.length)
    const submitting = (async () => {
      for (const [i, task] of work.entries()) {
        const due = t0 + i * submitEvery
        if (due > Date.now()) await sleep(due - Date.now())
        // The key makes a resubmission (the owner went down mid-call) return the same task.
        // One at a time: with 4 or 16 submits awaiting an overloaded owner (50 node processes on
        // 2 cores) each took longer in proportion and the batch took longer, not shorter.
        const [id] = await withOwner(getOwner, async api => await api.submit({ kind: task.kind ?? options.kind, input: task.input, redundancy, maxAttempts: 10, key: `sim-${options.seed}-${i}`, ...(adversarial ? { timeoutMs: 10_000 } : {}) }), 60_000)
        ids[i] = id as string
      }
    })()
    let joined = 0
    const faulting = (async () => {
      for (const event of schedule.events) {
        const due = t0 + event.at
        if (due > Date.now()) await sleep(due - Date.now())
        const target = event.target >= 0 ? workerNodes[event.target] : undefined
        let name = target?.spec.name ?? 'owner'
        const others = (): string[] => [owner as SimNode, ...workerNodes].filter(n => n !== target).map(n => n.peerId)
        switch (event.type) {
          case 'crash': if (target != null) { outages.push({ peerId: target.peerId, at: Date.now() }); await target.kill() } break
          case 'restart': if (target != null) await startWorker(target); break
          case 'hang': if (target != null) { outages.push({ peerId: target.peerId, at: Date.now() }); await target.hang(others()) } break
          case 'resume': await target?.resume(); break
          case 'partition': if (target != null) { outages.push({ peerId: target.peerId, at: Date.now() }); await target.partition(others()) } break
          case 'heal': await target?.partition([]); break
          case 'owner-crash': await owner?.kill(); break
          case 'owner-restart': {
            // Its port is new: it dials the workers (whose bootstrap entry for it is stale).
            if (owner != null) owner.spec.config.bootstrap = workerNodes.filter(n => n.status === 'up').map(n => n.addr)
            await owner?.start()
            break
          }
          case 'leave': if (target != null) { outages.push({ peerId: target.peerId, at: Date.now() }); await target.stop() } break
          case 'join': {
            const node = cluster.add(specFor(`j${++joined}`, 'joiner'))
            workerNodes.push(node)
            name = node.spec.name
            await startWorker(node)
            break
          }
        }
        faults.push({ ...event, name, atMs: Date.now() - t0 })
        io.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${event.type} ${name}`)
      }
    })()

    // Progress, and the owner's view of every peer over time, until every task is finished.
    const deadline = t0 + options.windowMs + options.settleMs
    let counts: Record<string, number> = {}
    for (;;) {
      let done = false
      // A failure is thrown below, where the two are awaited; here it only ends the wait.
      void Promise.all([submitting, faulting]).then(() => { done = true }, () => { done = true })
      await sleep(1000)
      try {
        if (getOwner().status === 'up') {
          const api = getOwner().owner()
          counts = await api.counts()
          const scores: Record<string, number> = {}
          for (const p of await api.reputation()) scores[p.peerId] = p.score
          reputationOverTime.push({ t: (Date.now() - t0) / 1000, scores })
        }
      } catch {}
      if (attackers.length > 0 && getOwner().status === 'up') {
        // One read of the owner's peer list a tick: alive, and alive and connected (capacity).
        const peers = await getOwner().owner().alivePeers().catch(() => [])
        const alive = new Set(peers.map(p => p.peerId))
        const counted = new Set(peers.filter(p => p.connected).map(p => p.peerId))
        const phantoms = attackers.flatMap(a => a.phantomIds)
        phantomPeersAlive = Math.max(phantomPeersAlive, phantoms.filter(id => alive.has(id)).length)
        phantomPeersCounted = Math.max(phantomPeersCounted, phantoms.filter(id => counted.has(id)).length)
      }
      const finished = [...TERMINAL].reduce((sum, state) => sum + (counts[state] ?? 0), 0)
      io.progress(`[sim ${options.scenario}] ${((Date.now() - t0) / 1000).toFixed(0)}s  submitted ${ids.filter(id => id != null).length}/${work.length}  succeeded ${counts.succeeded ?? 0}  failed ${counts.failed ?? 0}  faults ${faults.length}/${schedule.events.length}`)
      // With attackers the run lasts the whole window at least: their plan (verdict floods from
      // 80% of it) must play out however fast the honest work finishes.
      const attacked = attackers.length === 0 || Date.now() >= t0 + options.windowMs
      if ((done && finished >= work.length && attacked) || Date.now() > deadline) break
    }
    await Promise.all([submitting, faulting])

    // Every task's trail and output, from the owner.
    const views: TaskView[] = []
    let wrongAccepted = 0
    for (const [i, id] of ids.entries()) {
      if (id == null) continue
      const view = await withOwner(getOwner, async api => await api.task(id))
      views.push(view)
      const expected = work[i]?.expected
      if (view.state === 'succeeded' && expected != null) {
        const output = new TextDecoder().decode(await withOwner(getOwner, async api => await api.output(id)))
        if (output !== expected) wrongAccepted++
      }
    }
    const reputation = new Map((await withOwner(getOwner, async api => await api.reputation())).map(p => [p.peerId, p.state]))
    if (process.env.MESH_SIM_DEBUG === '1') {
      for (const v of [...views.filter(v => !TERMINAL.has(v.state)), ...views.filter(v => (finishedAtOf(v) ?? 0) - v.createdAt > 10_000)].slice(0, 2)) io.log(JSON.stringify([v.state, v.replicas, v.history.map(h => [((h.at - t0) / 1000).toFixed(1), h.reason])]))
    }
    const finishedAt = finishedAtOf
    const latencies = views.flatMap(v => { const at = finishedAt(v); return at == null ? [] : [at - v.createdAt] })
    const finishes = views.flatMap(v => { const at = finishedAt(v); return at == null ? [] : [at] })
    const firstCreated = Math.min(...views.map(v => v.createdAt))
    const reclaim = reclaimTimes(views, outages)
    const succeeded = views.filter(v => v.state === 'succeeded').length
    const completedOverTime: SimReport['completedOverTime'] = []
    const sortedFinishes = finishes.map(at => (at - t0) / 1000).sort((a, b) => a - b)
    for (const [i, t] of sortedFinishes.entries()) completedOverTime.push({ t, succeeded: i + 1 })
    const report: SimReport = {
      scenario: options.scenario,
      seed: options.seed,
      nodes: options.nodes,
      inProcess: options.inProcess,
      kind: options.kind,
      redundancy,
      leaseTtlMs: options.leaseTtlMs,
      durationMs: Date.now() - started,
      startupMs: t0 - started,
      batchMs: finishes.length > 0 ? Math.max(...finishes) - t0 : null,
      tasks: {
        submitted: ids.filter(id => id != null).length,
        succeeded,
        failed: views.filter(v => v.state === 'failed').length,
        cancelled: views.filter(v => v.state === 'cancelled').length,
        unfinished: views.filter(v => !TERMINAL.has(v.state)).length + ids.filter(id => id == null).length,
        wrongAccepted,
        duplicateExecutions: views.reduce((sum, v) => sum + v.history.filter(h => /expired: no renewal|released by/.test(h.reason)).length, 0)
      },
      reclaimMs: { p50: percentile(reclaim, 50), p99: percentile(reclaim, 99), max: reclaim.length === 0 ? null : Math.max(...reclaim), count: reclaim.length },
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      throughputPerSec: finishes.length === 0 ? null : Math.round((succeeded / Math.max(0.001, (Math.max(...finishes) - firstCreated) / 1000)) * 100) / 100,
      faults,
      peers: [
        ...[owner, ...workerNodes].map(n => ({ peerId: n.peerId, name: n.spec.name, role: n.spec.role, finalState: n === owner ? 'owner' : reputation.get(n.peerId) ?? 'no record', running: n.status === 'up' })),
        ...attackers.map((a, i) => ({ peerId: a.id, name: attackerNames[i] as string, role: 'attacker', finalState: reputation.get(a.id) ?? 'no record', running: true }))
      ],
      completedOverTime,
      reputationOverTime
    }
    if (adversarial) {
      const judges = [owner, ...workerNodes].filter(n => n.spec.role !== 'liar' && n.status === 'up')
      const tables = await Promise.all(judges.map(async n => ({ judge: n.peerId, table: await n.owner().reputation().catch(() => []) })))
      const withAttackers = report.latencyMs.p50
      const withoutAttackers = options.baselineP50Ms ?? null
      report.adversary = adversaryReport(attackers, report.peers, tables, new Set(work.map(w => toHex(sha256(new TextEncoder().encode(w.input))))),
        { correct: succeeded - wrongAccepted, wrong: wrongAccepted, lost: work.length - succeeded }, { alive: phantomPeersAlive, counted: phantomPeersCounted },
        { withAttackers, withoutAttackers, ratio: withAttackers != null && withoutAttackers != null && withoutAttackers > 0 ? Math.round((withAttackers / withoutAttackers) * 100) / 100 : null })
    }
    await mkdir(options.out, { recursive: true })
    await writeFile(join(options.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
    await writeFile(join(options.out, 'report.html'), reportHtml(report, latencies))
    return report
  } finally {
    await Promise.all(attackers.map(async a => { await a.stop().catch(() => {}) }))
    await cluster.close()
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}

