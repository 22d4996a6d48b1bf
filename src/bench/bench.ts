import { spawn, spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import type { MeshNode } from '../node/mesh-node.js'
import { percentile } from '../sim/report.js'
import { runSimulation } from '../sim/run.js'
import { workerFaultHooks } from '../sim/worker-faults.js'
import { projectFile } from '../tasks/exec/worker-files.js'
import type { RawConfig } from '../node/config.js'
import type { TaskView } from '../tasks/view.js'
import { bullmqPerSec } from './bullmq.js'
import { fairness, type Fairness } from './fairness.js'
import { allFinished, finishTimes, messagesReceived, Nodes, round, sleep } from './nodes.js'
import { judgeTargets } from './targets.js'

/**
 * `npm run bench [-- --quick] [--out FILE]`: the mesh's figures, each measured in this run, as
 * one JSON document (field names in the README). A figure that could not be measured is null,
 * with the reason in `notes`. Nothing here is a test: `targets` says which bounds each figure met,
 * but nothing is asserted and the exit code does not depend on them.
 */

type Figures = Record<string, unknown>

interface BenchOptions {
  quick: boolean
  out?: string
  log: (line: string) => void
  /** Only these groups (GROUPS); all when absent. */
  only?: string[]
}

export const GROUPS = ['hop', 'latency', 'throughput', 'fairness', 'claims', 'reclaim', 'isolation', 'memory', 'ownerScale', 'idle', 'scale', 'cli']

async function hopMs (nodes: Nodes, samples: number): Promise<number | null> {
  const a = await nodes.node({ worker: false })
  const b = await nodes.node({ worker: false, bootstrap: [a.status().addrs[0] as string] })
  const until = Date.now() + 20_000
  while ((await b.peers()).find(p => p.peerId === a.peerId)?.state !== 'alive' && Date.now() < until) await sleep(50)
  const sent = new Map<string, number>()
  const hops: number[] = []
  b.protocol.on('cancel', message => { const key = message.reason; const at = sent.get(key); if (at != null) hops.push(performance.now() - at) })
  for (let i = 0; i < samples; i++) {
    const key = `hop ${i}`
    sent.set(key, performance.now())
    await a.protocol.cancel([new Uint8Array(32).fill(i % 256)], key)
    await sleep(50)
  }
  await sleep(200)
  return round(percentile(hops, 50), 3)
}

/** Submit-to-succeeded latency (as the owner sees it) of echo tasks one at a time on an idle mesh of n nodes (once its connections settled, and after a warm-up, so workers have left probation); `samples` is how many finished. */
async function latency (nodes: Nodes, n: number, samples: number): Promise<{ p50: number | null, p99: number | null, samples: number | null }> {
  const { owner } = await nodes.mesh(n)
  await nodes.settled()
  const warm = await owner.tasks.submit({ kind: 'echo', input: 'warm', count: 40 })
  await finishTimes(owner, warm, 60_000)
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = Date.now()
    const [id] = await owner.tasks.submit({ kind: 'echo', input: `latency ${i}` })
    const done = await finishTimes(owner, [id as string], 10_000)
    const end = done.get(id as string)
    if (end != null) times.push(end - start)
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), samples: times.length }
}

/** Completed echo tasks per second on a 5-node mesh, and leases that expired meanwhile (no worker was stopped: each is a live worker's lease lost). */
async function throughput (nodes: Nodes, tasks: number, ownerConfig: RawConfig = {}): Promise<{ perSec: number | null, expired: number, ownerWritesPerCommit?: number | null }> {
  const { owner } = await nodes.mesh(5, ownerConfig, { slots: 8 })
  // The workers are still dialling each other when mesh() returns (handshakes, identify, grafts):
  // the figure is tasks through a formed mesh, as BullMQ's is through connected workers.
  await nodes.settled()
  const start = Date.now()
  const ids = await owner.tasks.submit({ kind: 'echo', input: 'x', count: tasks })
  // The owner's count of unfinished tasks, not a poll of every task (which took the CPU the nodes measured need).
  const done = await allFinished(owner, 300_000)
  const expired = ids.reduce((sum, id) => sum + (owner.tasks.get(id) as TaskView).history.filter(h => h.reason.includes('expired: no renewal')).length, 0)
  const { commits, writes } = owner.tasks.stats() as { commits: number, writes: number }
  return { perSec: done.finished === 0 ? null : round(done.finished / ((done.at - start) / 1000)), expired, ownerWritesPerCommit: commits === 0 ? null : round(writes / commits) }
}

/** Claims per granted replica for a batch, after a warm-up batch that takes the workers out of probation. */
async function claimsPerTask (nodes: Nodes, n: number, tasks: number): Promise<{ cold: number | null, warm: number | null }> {
  const { owner } = await nodes.mesh(n, {}, { slots: 4 })
  type Stats = { claimsReceived: number, grantsIssued: number, claimsPerGrant: number | null }
  const warmUp = await owner.tasks.submit({ kind: 'echo', input: 'warm-up', count: 10 * n })
  await finishTimes(owner, warmUp, 180_000)
  const before = owner.tasks.stats() as Stats
  const ids = await owner.tasks.submit({ kind: 'echo', input: 'claims', count: tasks })
  await finishTimes(owner, ids, 180_000)
  const after = owner.tasks.stats() as Stats
  const grants = after.grantsIssued - before.grantsIssued
  return { cold: round(before.claimsPerGrant), warm: grants === 0 ? null : round((after.claimsReceived - before.claimsReceived) / grants) }
}

/** Crash a worker holding leases (in process: the network first, nothing said): time from the crash to each re-grant, against the TTL. */
async function reclaim (nodes: Nodes, ttlMs: number): Promise<{ p99Ms: number | null, drainMs: number | null }> {
  // Spare capacity (6 workers of 8 slots for 12 tasks), so a re-grant waits for the protocol, not for a free slot.
  const { owner, workers } = await nodes.mesh(7, { leaseTtlMs: ttlMs, probationLeases: 64 }, { slots: 8 })
  const ids = await owner.tasks.submit({ kind: 'sleep', input: '4000', count: 12 })
  const until = Date.now() + 20_000
  while (ids.some(id => (owner.tasks.get(id) as TaskView).leases.length === 0) && Date.now() < until) await sleep(20)
  // The victim: the worker holding the most of these leases.
  const holding = (w: MeshNode, of: string[]): number => of.filter(id => (owner.tasks.get(id) as TaskView).leases.some(l => l.holder === w.peerId)).length
  const victim = [...workers].sort((a, b) => holding(b, ids) - holding(a, ids))[0] as MeshNode
  const victimId = victim.peerId
  const held = ids.filter(id => (owner.tasks.get(id) as TaskView).leases.some(l => l.holder === victimId))
  const crashAt = Date.now()
  await victim.crash()
  const regrant = async (idsToWatch: string[], from: number, holder: string): Promise<number[]> => {
    const times: number[] = []
    const deadline = Date.now() + 30_000
    const pending = new Set(idsToWatch)
    while (pending.size > 0 && Date.now() < deadline) {
      for (const id of pending) {
        const lease = (owner.tasks.get(id) as TaskView).leases[0]
        if (lease != null && lease.holder !== holder) { times.push(Date.now() - from); pending.delete(id) }
      }
      await sleep(5)
    }
    return times
  }
  const times = await regrant(held, crashAt, victimId)
  // Drain: a worker stopping gives its leases back; time from its stop to their re-grant.
  const runningOn = (w: MeshNode): number => (w.tasks.stats() as { running: number }).running
  const runningBefore = new Map(workers.filter(w => w !== victim).map(w => [w, runningOn(w)]))
  const more = await owner.tasks.submit({ kind: 'sleep', input: '4000', count: 8 })
  const until2 = Date.now() + 20_000
  while (more.some(id => (owner.tasks.get(id) as TaskView).leases.length === 0) && Date.now() < until2) await sleep(20)
  const alive = workers.filter(w => w !== victim)
  const drained = [...alive].sort((a, b) => holding(b, more) - holding(a, more))[0] as MeshNode
  const drainedId = drained.peerId
  const heldByDrained = more.filter(id => (owner.tasks.get(id) as TaskView).leases.some(l => l.holder === drainedId))
  // The owner records a lease when it grants; the grant reaches the worker a moment later (after
  // the owner's commit is on the device). A worker can give back only what it runs: wait for that.
  const running = Date.now() + 10_000
  while (runningOn(drained) < (runningBefore.get(drained) ?? 0) + heldByDrained.length && Date.now() < running) await sleep(5)
  const stopAt = Date.now()
  await drained.stop()
  const drainTimes = await regrant(heldByDrained, stopAt, drainedId)
  return { p99Ms: percentile(times, 99), drainMs: percentile(drainTimes, 99) }
}

/** Tasks and seconds until an always-lying worker is banned by the owner. */
async function isolation (nodes: Nodes, redundancy: number): Promise<{ tasks: number | null, seconds: number | null }> {
  const { owner } = await nodes.mesh(5, { reannounceMs: 200 }, { heartbeatMs: 500 })
  const liar = await nodes.node({ bootstrap: [owner.status().addrs[0] as string] }, { workerHooks: workerFaultHooks({ lie: 'random' }) })
  const until = Date.now() + 20_000
  while ((await owner.peers()).find(p => p.peerId === liar.peerId)?.state !== 'alive' && Date.now() < until) await sleep(50)
  const start = Date.now()
  const ids = await owner.tasks.submit({ kind: 'sha256', input: 'isolation', count: 200, redundancy })
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (owner.reputation().find(p => p.peerId === liar.peerId)?.state === 'banned') {
      const done = ids.filter(id => (owner.tasks.get(id) as TaskView).state === 'succeeded').length
      return { tasks: done, seconds: round((Date.now() - start) / 1000) }
    }
    await sleep(10)
  }
  return { tasks: null, seconds: null }
}

/**
 * Extra runs spot checks cost for honest workers with a record (redundancy 1, after 120 tasks of
 * history), over the next `tasks` (1000: with 200, one run's figure moved ±1.5 points by chance alone;
 * `--quick` measures 1000 too, ~4 s, since the rate falls over the window and fewer would be another figure).
 */
async function spotCheckOverhead (nodes: Nodes, tasks: number): Promise<number | null> {
  const { owner } = await nodes.mesh(4, { reannounceMs: 200 })
  const history = await owner.tasks.submit({ kind: 'echo', input: 'record', count: 120 })
  await finishTimes(owner, history, 120_000)
  const ids = await owner.tasks.submit({ kind: 'echo', input: 'measured', count: tasks })
  await finishTimes(owner, ids, 120_000)
  const extra = ids.reduce((sum, id) => sum + (owner.tasks.get(id) as TaskView).replicas.length - 1, 0)
  return round(extra / ids.length, 3)
}

/** RSS of one `mesh-node start` process after it settles, in MB. */
async function processRss (): Promise<number | null> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-proc-'))
  const child = spawn(process.execPath, [projectFile('bin/mesh-node'), 'start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--log-level', 'warn'], { stdio: 'ignore' })
  try {
    await sleep(4000)
    const status = spawnSync('ps', ['-o', 'rss=', '-p', String(child.pid)]).stdout.toString().trim()
    return status === '' ? null : round(Number(status) / 1024, 1)
  } finally {
    child.kill('SIGTERM')
    await new Promise(resolve => { child.once('exit', resolve) })
    await rm(dir, { recursive: true, force: true })
  }
}

/** `status` and `--help` (the targets) and every other command but `start`, medians in ms. */
interface CliTimes { statusMs: number | null, helpMs: number | null, otherMs: Record<string, number | null> }
const NO_CLI_TIMES: CliTimes = { statusMs: null, helpMs: null, otherMs: {} }

/**
 * Issue 15's fast CLI: wall time of `mesh-node status` against an idle node process and of
 * `mesh-node --help`, the median of `calls` runs each (a new Node process every call, as a user
 * types it); and of the other commands but `start` (half as many calls each; `backup` into a new
 * file each time).
 */
async function cliTimes (calls: number): Promise<CliTimes> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-cli-'))
  const bin = projectFile('bin/mesh-node')
  const child = spawn(process.execPath, [bin, 'start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--no-worker', '--log-level', 'warn'], { stdio: 'ignore' })
  const timed = (args: string[]): number | null => {
    const began = performance.now()
    const run = spawnSync(process.execPath, [bin, ...args], { stdio: 'ignore' })
    return run.status === 0 ? performance.now() - began : null
  }
  const median = (values: Array<number | null>): number | null => {
    if (values.some(v => v == null)) return null
    const sorted = (values as number[]).sort((a, b) => a - b)
    return round(sorted[Math.floor(sorted.length / 2)] as number, 0)
  }
  try {
    for (let i = 0; i < 100 && timed(['status', '--data-dir', dir]) == null; i++) await sleep(200)
    timed(['--help'])
    await sleep(1000)
    const status = Array.from({ length: calls }, () => timed(['status', '--data-dir', dir]))
    const help = Array.from({ length: calls }, () => timed(['--help']))
    const some = Math.max(1, Math.floor(calls / 2))
    const others: Record<string, string[]> = {
      peers: ['peers'], reputation: ['reputation'], tasks: ['tasks'], token: ['token'], dashboard: ['dashboard'], id: ['id'], psk: ['psk']
    }
    const otherMs: Record<string, number | null> = {}
    for (const [name, args] of Object.entries(others)) otherMs[name] = median(Array.from({ length: some }, () => timed([...args, '--data-dir', dir])))
    otherMs.backup = median(Array.from({ length: some }, (_, i) => timed(['backup', join(dir, `backup-${i}.db`), '--data-dir', dir])))
    return { statusMs: median(status), helpMs: median(help), otherMs }
  } finally {
    child.kill('SIGTERM')
    await new Promise(resolve => { child.once('exit', resolve) })
    await rm(dir, { recursive: true, force: true })
  }
}

/** RSS of a process in MB (ps), null if it is gone. */
function rssOf (pid: number | undefined): number | null {
  if (pid == null) return null
  const out = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)]).stdout.toString().trim()
  return out === '' ? null : round(Number(out) / 1024, 1)
}

interface OwnerScaleRun { queued: number | null, submitSeconds: number | null, rssMB: number | null, perSec: number | null, parked: number | null }
interface OwnerScale extends OwnerScaleRun {
  /** The same owner process and workers with a short queue (20,000 tasks), and the long queue's rate over it. */
  shortQueuePerSec: number | null
  rateRatio: number | null
}

/**
 * One owner process (`mesh-node start --no-worker`) given `queued` echo tasks through its API
 * (10,000 a call), then four in-process workers: its RSS with the whole queue in it (the most of
 * samples taken while it dispatches), and the tasks finished per second over `windowMs` while
 * the queue is that long. Open tasks live in the store; the owner keeps a bounded window of
 * them in memory (backlog.ts).
 */
async function ownerScaleRun (nodes: Nodes, queued: number, windowMs: number, log: (line: string) => void): Promise<OwnerScaleRun> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-owner-'))
  const child = spawn(process.execPath, [projectFile('bin/mesh-node'), 'start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--no-worker', '--log-level', 'warn', '--network', 'bench'],
    { stdio: 'ignore', env: { ...process.env, MESH_PROBATION_LEASES: '64' } })
  const exited = new Promise(resolve => { child.once('exit', resolve) })
  try {
    const until = Date.now() + 30_000
    let api: { url: string, token: string } | undefined
    while (api == null && Date.now() < until) {
      try {
        const { url } = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as { url: string }
        api = { url, token: (await readFile(join(dir, 'api.token'), 'utf8')).trim() }
      } catch {
        await sleep(100)
      }
    }
    if (api == null) throw new Error('the owner process wrote no api.json in 30 s')
    const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const response = await fetch(`${(api as { url: string }).url}${path}`, {
        method,
        headers: { authorization: `Bearer ${(api as { token: string }).token}`, 'content-type': 'application/json' },
        ...(body != null ? { body: JSON.stringify(body) } : {})
      })
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
      return await response.json()
    }
    const start = Date.now()
    for (let done = 0; done < queued; done += 10_000) {
      await call('POST', '/v1/tasks', { kind: 'echo', input: 'scale', count: Math.min(10_000, queued - done) })
      if (done % 200_000 === 0) log(`owner scale: ${done} tasks submitted`)
    }
    const submitSeconds = round((Date.now() - start) / 1000, 1)
    let rssMB = rssOf(child.pid)
    const addrs = ((await call('GET', '/v1/status')) as { addrs: string[] }).addrs
    const addr = addrs.find(a => a.includes('127.0.0.1')) as string
    await Promise.all([0, 1, 2, 3].map(async () => await nodes.node({ bootstrap: [addr], slots: 8 })))
    type Stats = { counts: Record<string, number>, parked: number }
    const finished = (stats: Stats): number => (stats.counts.succeeded ?? 0) + (stats.counts.failed ?? 0)
    // The rate once work flows (the workers connected and out of probation), over the window.
    const flowing = Date.now() + 60_000
    while (finished((await call('GET', '/v1/tasks/stats')) as Stats) < 2000 && Date.now() < flowing) await sleep(500)
    const before = (await call('GET', '/v1/tasks/stats')) as Stats
    const from = Date.now()
    const end = from + windowMs
    while (Date.now() < end) {
      await sleep(2000)
      rssMB = Math.max(rssMB ?? 0, rssOf(child.pid) ?? 0)
    }
    const after = (await call('GET', '/v1/tasks/stats')) as Stats
    const perSec = round((finished(after) - finished(before)) / ((Date.now() - from) / 1000))
    return { queued, submitSeconds, rssMB, perSec, parked: after.parked }
  } finally {
    child.kill('SIGTERM')
    const killer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
    await exited
    clearTimeout(killer)
    await rm(dir, { recursive: true, force: true })
  }
}

/** `ownerScaleRun` with a queue of `queued` and with a short one, each on a mesh of its own. */
async function ownerScale (queued: number, windowMs: number, log: (line: string) => void): Promise<OwnerScale> {
  const run = async (n: number): Promise<OwnerScaleRun> => {
    const nodes = new Nodes()
    try {
      return await ownerScaleRun(nodes, n, windowMs, log)
    } finally {
      await nodes.close()
    }
  }
  const short = await run(20_000)
  const long = await run(queued)
  return { ...long, shortQueuePerSec: short.perSec, rateRatio: long.perSec == null || short.perSec == null || short.perSec === 0 ? null : round(long.perSec / short.perSec) }
}

interface InProcessMemory {
  perNode: number | null
  heapPerNode: number | null
  growth: number | null
  /** The V8 heap in use after gc, end minus start of the steady run. */
  heapGrowth: number | null
  /** Growth so far (RSS, heap after gc) at each fifth of the steady run. */
  marks: Array<{ atS: number, rssMB: number, heapMB: number }>
}

/** RSS and V8 heap in use (after gc) added per extra in-process node, and RSS growth over a run of `runMs` with a steady workload, in MB. */
async function inProcessMemory (nodes: Nodes, extra: number, runMs: number): Promise<InProcessMemory> {
  // A first mesh warms up what every node shares (modules, the thread pool); then count what more nodes add.
  const { owner } = await nodes.mesh(3)
  await sleep(2000)
  global.gc?.()
  const before = process.memoryUsage()
  const addr = owner.status().addrs[0] as string
  for (let i = 0; i < extra; i++) await nodes.node({ bootstrap: [addr] })
  await sleep(3000)
  global.gc?.()
  const after = process.memoryUsage()
  // RSS can miss the nodes entirely (V8 places them in heap it had already reserved); heapUsed after gc counts
  // their JS objects, though not native memory such as SQLite's page caches.
  const perNode = (after.rss - before.rss) / extra / (1024 * 1024)
  const heapPerNode = (after.heapUsed - before.heapUsed) / extra / (1024 * 1024)
  const start = process.memoryUsage()
  const began = Date.now()
  const until = began + runMs
  // RSS and the heap after gc at each fifth of the run: a leak keeps growing, a cache filling to its bound levels off.
  const marks: Array<{ atS: number, rssMB: number, heapMB: number }> = []
  let next = began + runMs / 5
  while (Date.now() < until) {
    const ids = await owner.tasks.submit({ kind: 'echo', input: 'steady', count: 20 })
    await finishTimes(owner, ids, 30_000)
    await sleep(500)
    if (Date.now() >= next) {
      next += runMs / 5
      global.gc?.()
      const now = process.memoryUsage()
      marks.push({ atS: Math.round((Date.now() - began) / 1000), rssMB: round((now.rss - start.rss) / MB, 1) as number, heapMB: round((now.heapUsed - start.heapUsed) / MB, 1) as number })
    }
  }
  global.gc?.()
  const end = process.memoryUsage()
  return {
    perNode: round(perNode, 1),
    heapPerNode: round(heapPerNode, 1),
    growth: round((end.rss - start.rss) / MB, 1),
    heapGrowth: round((end.heapUsed - start.heapUsed) / MB, 1),
    marks
  }
}

const MB = 1024 * 1024

/** The largest in-process mesh (of the sizes tried) that completes a batch of `tasks` echo tasks, all succeeded. */
async function scaleInProcess (sizes: number[], tasks: number, log: (line: string) => void): Promise<number | null> {
  let best: number | null = null
  for (const n of sizes) {
    const nodes = new Nodes()
    try {
      const { owner } = await nodes.mesh(n, {}, { slots: 2 })
      const ids = await owner.tasks.submit({ kind: 'echo', input: 'scale', count: tasks })
      const done = await finishTimes(owner, ids, 300_000)
      const ok = [...done.keys()].filter(id => (owner.tasks.get(id) as TaskView).state === 'succeeded').length === tasks
      log(`scale: ${n} in-process nodes, ${tasks} tasks: ${ok ? 'all succeeded' : 'not all succeeded'}`)
      if (!ok) break
      best = n
    } finally {
      await nodes.close()
    }
  }
  return best
}

/** Of the processes run: the largest size that completed, and the batch and start-up seconds of each size. */
type ProcessScale = { best: number | null, seconds: Record<string, number>, startup: Record<string, number> }

/** The processes run: the largest number of separate node processes (of the sizes tried) that completes a batch of `tasks` echo tasks (the simulation's baseline), and the seconds each size took. */
async function scaleWithProcesses (sizes: number[], tasks: number, log: (line: string) => void): Promise<ProcessScale> {
  let best: number | null = null
  const seconds: Record<string, number> = {}
  const startup: Record<string, number> = {}
  for (const n of sizes) {
    const out = await mkdtemp(join(tmpdir(), 'mesh-bench-scale-'))
    try {
      const report = await runSimulation({ scenario: 'baseline', nodes: n, tasks, kind: 'echo', seed: 1, inProcess: false, out, windowMs: 5000, leaseTtlMs: 5000, settleMs: 240_000 }, { progress: () => {}, log: () => {} })
      const ok = report.tasks.succeeded === tasks
      log(`scale: ${n} processes, ${tasks} tasks: ${report.tasks.succeeded} succeeded; batch ${((report.batchMs ?? NaN) / 1000).toFixed(1)} s after a start-up of ${(report.startupMs / 1000).toFixed(0)} s (${(report.durationMs / 1000).toFixed(0)} s in all)`)
      if (!ok || report.batchMs == null) break
      best = n
      seconds[`n${n}`] = round(report.batchMs / 1000, 1) as number
      startup[`n${n}`] = round(report.startupMs / 1000, 1) as number
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  }
  return { best, seconds, startup }
}

/** An idle-cost run gives up after this: an in-process mesh too large for one event loop never settles. */
const IDLE_DEADLINE_MS = 600_000
/** An event loop this busy (utilization) during an idle measurement was saturated: its figure is a floor. */
const SATURATED_ELU = 0.95

/** `work`'s value, or an error saying `why` if it takes longer than `ms` (it goes on, its failure ignored, until its nodes close). */
async function within<T> (work: Promise<T>, ms: number, why: string): Promise<T> {
  work.catch(() => {})
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(why)) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

export interface IdleCost {
  /** CPU milliseconds per second per node, over all the in-process nodes. */
  cpuMsPerNode: number | null
  /** Gossip messages each node received per second (unique ones, as validated), averaged over the nodes. */
  gossipPerNodePerSec: number | null
  /** The event loop's utilization meanwhile: near 1, the nodes wanted more CPU than one thread has, and the figure is a floor. */
  elu: number | null
}

/**
 * What an idle node costs at mesh size n (issue 17's `scale.cpuMsPerNodeIdle`): n in-process
 * nodes (an owner with no work and n - 1 workers), settled, then `seconds` of doing nothing but
 * heartbeats, gossipsub's own upkeep and the peer table. The process's CPU over that time,
 * divided by n and the seconds.
 */
async function idleCost (nodes: Nodes, n: number, seconds: number): Promise<IdleCost> {
  await nodes.mesh(n, {}, { slots: 2 })
  await nodes.settled(3000, 180_000)
  // The first heartbeats and grafts of a mesh that just settled are not the idle cost.
  await sleep(5000)
  const before = await Promise.all(nodes.list().map(messagesReceived))
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const started = Date.now()
  await sleep(seconds * 1000)
  const cpu = process.cpuUsage(cpu0)
  const elu = performance.eventLoopUtilization(elu0)
  const wall = (Date.now() - started) / 1000
  const after = await Promise.all(nodes.list().map(messagesReceived))
  const gossip = after.reduce((total, m, i) => total + m.gossip - (before[i]?.gossip ?? 0), 0)
  return {
    cpuMsPerNode: round((cpu.user + cpu.system) / 1000 / wall / n),
    gossipPerNodePerSec: round(gossip / wall / n, 1),
    elu: round(elu.utilization)
  }
}

async function measure<T> (name: string, log: (line: string) => void, notes: string[], fn: (nodes: Nodes) => Promise<T>, fallback: T): Promise<T> {
  const nodes = new Nodes()
  const start = Date.now()
  try {
    const value = await fn(nodes)
    log(`${name}: ${JSON.stringify(value)} (${((Date.now() - start) / 1000).toFixed(1)} s)`)
    return value
  } catch (err) {
    notes.push(`${name}: failed: ${(err as Error).message}`)
    return fallback
  } finally {
    await nodes.close()
  }
}

export async function runBench ({ quick, out, log, only }: BenchOptions): Promise<Figures> {
  const notes: string[] = []
  const started = Date.now()
  const want = (group: string): boolean => {
    const yes = only == null || only.includes(group)
    if (!yes) notes.push(`${group}: not run (--only ${only?.join(',') ?? ''})`)
    return yes
  }
  const none = { p50: null, p99: null, samples: null }
  const hop = want('hop') ? await measure('hopMs', log, notes, async n => await hopMs(n, quick ? 40 : 200), null) : null
  const doLatency = want('latency')
  const n3 = doLatency ? await measure('latency n3', log, notes, async n => await latency(n, 3, quick ? 30 : 200), none) : none
  const n10 = doLatency ? await measure('latency n10', log, notes, async n => await latency(n, 10, quick ? 100 : 500), none) : none
  const tasks = quick ? 1000 : 2000
  let mesh: number | null = null
  let trusted: number | null = null
  let meshSynced: number | null = null
  let bull: number | null = null
  let bullDurable: number | null = null
  let expiredOnLive: number | null = null
  if (want('throughput')) {
    const none: Awaited<ReturnType<typeof throughput>> = { perSec: null, expired: 0 }
    // Untimed, as BullMQ's warm-up batch below: the code paths compiled before the clock runs.
    await measure('throughput warm-up (untimed)', log, notes, async n => await throughput(n, quick ? 1000 : 4000), none)
    const cold = await measure('throughput mesh', log, notes, async n => await throughput(n, tasks), none)
    // The same with the owner trusting new peers (probationLeases high, as on a private network of known machines).
    const warm = await measure('throughput mesh, probationLeases 64', log, notes, async n => await throughput(n, tasks, { probationLeases: 64 }), none)
    // The price of power-cut safety for what peers are told: grants and acks wait for the WAL's fdatasync.
    const synced = await measure('throughput mesh, syncLeaseMessages', log, notes, async n => await throughput(n, tasks, { syncLeaseMessages: true }), none)
    mesh = cold.perSec
    trusted = warm.perSec
    meshSynced = synced.perSec
    expiredOnLive = cold.expired + warm.expired + synced.expired
    bull = await bullmqPerSec(tasks, 'none', 'throughput.bullmqPerSec', notes).catch(err => { notes.push(`throughput.bullmqPerSec: ${(err as Error).message}`); return null })
    log(`throughput bullmq: ${JSON.stringify(bull)}`)
    bullDurable = await bullmqPerSec(tasks, 'aof', 'throughput.bullmqDurablePerSec', notes).catch(err => { notes.push(`throughput.bullmqDurablePerSec: ${(err as Error).message}`); return null })
    log(`throughput bullmq, redis AOF everysec: ${JSON.stringify(bullDurable)}`)
  }
  const noFairness: Fairness = { jain: null, perWorker: [], tasks: 0 }
  const fair = want('fairness') ? await measure('fairness', log, notes, async n => await fairness(n, quick ? 200 : 400), noFairness) : noFairness
  if (fair.jain != null) notes.push('fairness.perWorker: the owner\'s own worker first, then the three others')
  const doClaims = want('claims')
  const noClaims = { cold: null, warm: null }
  const c5 = doClaims ? await measure('claimsPerTask n5', log, notes, async n => await claimsPerTask(n, 5, 300), noClaims) : noClaims
  const c20 = doClaims ? await measure('claimsPerTask n20', log, notes, async n => await claimsPerTask(n, 20, quick ? 300 : 1000), noClaims) : noClaims
  if (doClaims) notes.push('claimsPerTask: n5/n20 are after a warm-up batch of 10 tasks per node (workers out of probation); coldN5/coldN20 are the warm-up batches themselves, all workers new')
  const ttlMs = 2000
  const rec = want('reclaim') ? await measure('reclaim', log, notes, async n => await reclaim(n, ttlMs), { p99Ms: null, drainMs: null }) : { p99Ms: null, drainMs: null }
  const doIsolation = want('isolation')
  const r3 = doIsolation ? await measure('isolation r3', log, notes, async n => await isolation(n, 3), { tasks: null, seconds: null }) : { tasks: null, seconds: null }
  const r1 = doIsolation ? await measure('isolation r1', log, notes, async n => await isolation(n, 1), { tasks: null, seconds: null }) : { tasks: null, seconds: null }
  const overhead = doIsolation ? await measure('spotCheckOverhead', log, notes, async n => await spotCheckOverhead(n, 1000), null) : null
  let rss: number | null = null
  const noMem: InProcessMemory = { perNode: null, heapPerNode: null, growth: null, heapGrowth: null, marks: [] }
  let mem: InProcessMemory = noMem
  if (want('memory')) {
    rss = await processRss().catch(err => { notes.push(`memory.rssMBPerNode: ${(err as Error).message}`); return null })
    log(`memory per process: ${rss} MB`)
    mem = await measure('memory in-process', log, notes, async n => await inProcessMemory(n, 20, quick ? 20_000 : 300_000), noMem)
    if (quick) notes.push('memory.growthMBPer5Min: --quick runs the steady workload for 20 s, not 5 minutes; the figure is that run\'s growth')
  }
  const noOwnerScale: OwnerScale = { queued: null, submitSeconds: null, rssMB: null, perSec: null, parked: null, shortQueuePerSec: null, rateRatio: null }
  let owner: OwnerScale = noOwnerScale
  const cli = want('cli') ? await measure('cli', log, notes, async () => await cliTimes(20), NO_CLI_TIMES) : NO_CLI_TIMES
  if (quick) notes.push('ownerScale: skipped in --quick (the full run queues 1,000,000 tasks on one owner process)')
  else if (want('ownerScale')) owner = await measure('ownerScale', log, notes, async () => await ownerScale(1_000_000, 30_000, log), noOwnerScale)
  let scaleIn: number | null = null
  const noProcesses: ProcessScale = { best: null, seconds: {}, startup: {} }
  let scaleProcesses = noProcesses
  const idle: Record<string, IdleCost> = {}
  const noIdle: IdleCost = { cpuMsPerNode: null, gossipPerNodePerSec: null, elu: null }
  if (quick) notes.push('idle, scale: skipped in --quick (the full run measures idle nodes at 10, 50 and 200, tries 50, 100 and 200 in-process nodes, and 10, 25 and 50 processes, with 1000 tasks)')
  else if (want('idle')) {
    for (const n of [10, 50, 200]) {
      idle[`n${n}`] = await measure(`idle cost n${n}`, log, notes, async nodes => await within(idleCost(nodes, n, 30), IDLE_DEADLINE_MS,
        `the ${n}-node mesh did not start, settle and idle for 30 s within ${IDLE_DEADLINE_MS / 60_000} min: one event loop cannot carry ${n} nodes (see docs/SCALING.md)`), noIdle)
      log(`scale: idle cost at ${n} in-process nodes: ${JSON.stringify(idle[`n${n}`])}`)
    }
  }
  if (!quick && want('scale')) {
    scaleIn = await scaleInProcess([50, 100, 200], 1000, log).catch(err => { notes.push(`scale.inProcess: ${(err as Error).message}`); return null })
    scaleProcesses = await scaleWithProcesses([10, 25, 50], 1000, log).catch(err => { notes.push(`scale.processes: ${(err as Error).message}`); return noProcesses })
  }
  const idleAt = (n: number): number | null => idle[`n${n}`]?.cpuMsPerNode ?? null
  // Measured on a saturated event loop, a node's CPU is what it got, not what it needed: no growth figure from it.
  const saturated = (idle.n200?.elu ?? 0) >= SATURATED_ELU
  if (saturated) notes.push(`scale.idleGrowth200to10: not computed: the 200 in-process nodes saturated the event loop (ELU ${idle.n200?.elu ?? '?'}), so their ${idleAt(200) ?? '?'} ms each is a floor, not their idle cost (docs/SCALING.md)`)
  const perSecond = (n: number): number | null => scaleProcesses.seconds[`n${n}`] ?? null
  // `ratio` is the older name of `p50Ratio`; both are kept for readers of earlier runs.
  const hopRatio = (p50: number | null): number | null => hop == null || p50 == null ? null : round(p50 / hop)
  const measured = {
    hopMs: hop,
    latency: {
      n3: { ...n3, ratio: hopRatio(n3.p50), p50Ratio: hopRatio(n3.p50) },
      n10: { ...n10, ratio: hopRatio(n10.p50), p50Ratio: hopRatio(n10.p50) }
    },
    throughput: {
      meshPerSec: mesh,
      bullmqPerSec: bull,
      ratio: mesh == null || bull == null ? null : round(mesh / bull, 3),
      bullmqDurablePerSec: bullDurable,
      ratioDurable: mesh == null || bullDurable == null ? null : round(mesh / bullDurable, 3),
      meshTrustedPerSec: trusted,
      meshSyncedPerSec: meshSynced,
      freshToTrustedRatio: mesh == null || trusted == null ? null : round(trusted / mesh)
    },
    fairness: fair,
    claimsPerTask: { n5: c5.warm, n20: c20.warm, coldN5: c5.cold, coldN20: c20.cold },
    reclaim: { p99Ms: rec.p99Ms, ttlMs, p99Ratio: rec.p99Ms == null ? null : round(rec.p99Ms / ttlMs), drainMs: rec.drainMs, expiredOnLiveWorkers: expiredOnLive },
    isolation: { r3Tasks: r3.tasks, r3Seconds: r3.seconds, r1Tasks: r1.tasks, r1Seconds: r1.seconds, spotCheckOverhead: overhead },
    memory: { rssMBPerNode: rss, rssMBPerInProcessNode: mem.perNode, heapMBPerInProcessNode: mem.heapPerNode, growthMBPer5Min: mem.growth, heapGrowthMBPer5Min: mem.heapGrowth, growthMarks: mem.marks },
    ownerScale: owner,
    cli,
    scale: {
      processes: scaleProcesses.best,
      // Seconds from the first submission to the last task finished, at each size (start-up apart).
      processSeconds: scaleProcesses.seconds,
      // Seconds from starting the processes until the owner saw every worker alive.
      processStartupSeconds: scaleProcesses.startup,
      // Batch time at 50 processes over batch time at 10 (issue 17: at most 1.5).
      processTimeRatio: perSecond(50) == null || perSecond(10) == null ? null : round((perSecond(50) as number) / (perSecond(10) as number)),
      inProcess: scaleIn,
      cpuMsPerNodeIdle: { n10: idleAt(10), n50: idleAt(50), n200: idleAt(200) },
      // CPU per idle node at 200 over at 10 (flat: 1; log growth: about log(200)/log(10) = 2.3).
      idleGrowth200to10: saturated || idleAt(200) == null || idleAt(10) == null ? null : round((idleAt(200) as number) / (idleAt(10) as number)),
      // The same from 10 to 50 nodes, which one event loop carries (log growth: about log(50)/log(10) = 1.7).
      idleGrowth50to10: idleAt(50) == null || idleAt(10) == null ? null : round((idleAt(50) as number) / (idleAt(10) as number)),
      idle
    }
  }
  const figures: Figures = {
    ...measured,
    targets: judgeTargets(measured, quick),
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? null, memoryGB: round(totalmem() / 1024 ** 3, 1), node: process.version },
    date: new Date().toISOString(),
    quick,
    durationSeconds: round((Date.now() - started) / 1000, 0),
    notes
  }
  if (out != null) await writeFile(out, `${JSON.stringify(figures, null, 2)}\n`)
  return figures
}
