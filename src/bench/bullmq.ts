import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { round, sleep } from './nodes.js'

/**
 * How the redis-server under BullMQ keeps its data: `none` (in memory only), or `aof`, what BullMQ
 * advises for production (append-only file, fsync every second). RDB snapshots are off in both,
 * so the durable figure is the cost of AOF alone.
 */
export type RedisPersistence = 'none' | 'aof'

const persistenceArgs = (persistence: RedisPersistence, dir: string): string[] => persistence === 'aof'
  ? ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir]
  : ['--save', '', '--appendonly', 'no', '--dir', dir]

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/** Resolves once redis-server says it accepts connections; rejects with its output if it exits first or takes over 10 s. */
async function ready (server: ChildProcess): Promise<void> {
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`redis-server not ready after 10 s: ${output.slice(-300)}`)) }, 10_000)
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) { clearTimeout(timer); resolve() }
    })
    server.once('exit', code => { clearTimeout(timer); reject(new Error(`redis-server exited (${code ?? 'signal'}): ${output.slice(-300)}`)) })
    server.once('error', err => { clearTimeout(timer); reject(err) })
  })
}

/**
 * Jobs per second through BullMQ on a redis-server of its own (a free port, a temporary data dir,
 * both gone afterwards): `tasks` echo jobs, 4 workers of concurrency 8, as the mesh's throughput
 * run, timed after an untimed warm-up batch. Null, with the reason in `notes` under `field`, when redis-server or bullmq is missing.
 */
export async function bullmqPerSec (tasks: number, persistence: RedisPersistence, field: string, notes: string[]): Promise<number | null> {
  const redis = spawnSync('sh', ['-c', 'command -v redis-server']).stdout.toString().trim()
  if (redis === '') { notes.push(`${field}: redis-server is not installed (apt-get install redis-server)`); return null }
  let bull: typeof import('bullmq')
  try {
    bull = await import('bullmq')
  } catch {
    notes.push(`${field}: the bullmq package is not installed (npm install bullmq)`)
    return null
  }
  const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-redis-'))
  const port = await freePort()
  const server = spawn(redis, ['--port', String(port), '--bind', '127.0.0.1', ...persistenceArgs(persistence, dir)], { stdio: ['ignore', 'pipe', 'ignore'] })
  const exited = new Promise(resolve => { server.once('exit', resolve); server.once('error', resolve) })
  // An exit of the bench (scripts/bench.mjs ends with process.exit) must not leave redis running.
  const killOnExit = (): void => { server.kill('SIGKILL') }
  process.once('exit', killOnExit)
  try {
    await ready(server)
    const connection = { host: '127.0.0.1', port }
    const queue = new bull.Queue('bench', { connection })
    let completed = 0
    let waiting: { count: number, resolve: () => void } | null = null
    const workers = Array.from({ length: 4 }, () => new bull.Worker('bench', async job => job.data as unknown, { connection, concurrency: 8 }))
    for (const w of workers) w.on('completed', () => { if (++completed === waiting?.count) waiting.resolve() })
    const batch = async (count: number, name: string): Promise<void> => {
      completed = 0
      const done = new Promise<void>(resolve => { waiting = { count, resolve } })
      await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name, data: `x${i}` })))
      await Promise.race([done, sleep(300_000)])
    }
    // An untimed batch first: the first run in a process otherwise pays for compiling BullMQ's and ioredis's code.
    await batch(Math.min(200, tasks), 'warm-up')
    const start = Date.now()
    await batch(tasks, 'echo')
    const seconds = (Date.now() - start) / 1000
    await Promise.all(workers.map(async w => { await w.close() }))
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
    return round(completed / seconds)
  } finally {
    process.removeListener('exit', killOnExit)
    server.kill('SIGKILL')
    await exited
    await rm(dir, { recursive: true, force: true, maxRetries: 5 })
  }
}
