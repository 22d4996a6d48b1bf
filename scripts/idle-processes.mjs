#!/usr/bin/env node
// node scripts/idle-processes.mjs [N] [WINDOWS]: what idle node processes cost (docs/SCALING.md,
// "Node processes"). Starts N node processes as the simulation does (scripts/sim-node.mjs: an
// owner with an API, N - 1 workers bootstrapping to it, heartbeat base 500 ms, 8 starting at a
// time), waits until the owner sees every worker alive (at most 5 min), then prints each 30 s
// window's CPU per process (all threads, from /proc: Linux only). Run `npm run build` first.
// Every process it starts is killed and its temporary data dir removed, however it ends.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const n = Number(process.argv[2] ?? 10)
const windows = Number(process.argv[3] ?? 2)
if (!Number.isInteger(n) || n < 2 || !Number.isInteger(windows) || windows < 1) {
  console.error('usage: node scripts/idle-processes.mjs [N >= 2] [WINDOWS >= 1]')
  process.exit(2)
}
const host = fileURLToPath(new URL('./sim-node.mjs', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'mesh-idle-'))
const children = []
const cleanup = () => {
  for (const child of children) child.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
}
process.on('exit', cleanup)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

/** CPU milliseconds a process has used, all threads (utime + stime, 100 ticks a second). */
function cpuMs (pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function start (name, config) {
  const spec = { config: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, heartbeatMs: 500, reannounceMs: 500, logLevel: 'warn', network: 'idle', dataDir: join(root, name), ...config } }
  const child = spawn(process.execPath, [host, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'ignore'] })
  children.push(child)
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', code => { reject(new Error(`${name} exited (${code}) before it was ready`)) })
  })
  return { child, ...JSON.parse(line).ready }
}

async function api (owner, path) {
  const response = await fetch(owner.api + path, { headers: { authorization: `Bearer ${owner.token}` }, signal: AbortSignal.timeout(120_000) })
  return await response.json()
}

const t0 = Date.now()
const seconds = () => ((Date.now() - t0) / 1000).toFixed(0)
const owner = await start('owner', { api: '127.0.0.1:0', worker: false })
const bootstrap = [owner.addrs.find(a => a.includes('/ip4/127.0.0.1/'))]
const workers = []
for (let i = 0; i < n - 1; i += 8) {
  workers.push(...await Promise.all(Array.from({ length: Math.min(8, n - 1 - i) }, async (_, j) => await start(`w${i + j}`, { api: null, slots: 4, bootstrap }))))
}
console.log(`${seconds()} s: ${n} processes started`)
for (;;) {
  const peers = await api(owner, '/v1/peers').catch(() => [])
  const alive = peers.filter(p => p.state === 'alive').length
  if (alive >= n - 1 || Date.now() - t0 > 300_000) {
    console.log(`${seconds()} s: the owner sees ${alive} of ${n - 1} workers alive`)
    break
  }
  await new Promise(resolve => setTimeout(resolve, 2000))
}
const all = [owner, ...workers]
for (let w = 0; w < windows; w++) {
  const before = all.map(p => cpuMs(p.child.pid))
  const from = Date.now()
  await new Promise(resolve => setTimeout(resolve, 30_000))
  const perSecond = all.map((p, i) => (cpuMs(p.child.pid) - before[i]) / ((Date.now() - from) / 1000))
  const sorted = perSecond.slice(1).sort((a, b) => a - b)
  const total = perSecond.reduce((a, b) => a + b, 0)
  console.log(`${seconds()} s: CPU ms/s per process: owner ${perSecond[0].toFixed(1)}, workers median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} (max ${sorted.at(-1).toFixed(1)}); all ${n}: ${total.toFixed(0)} ms/s`)
}
process.exit(0)
