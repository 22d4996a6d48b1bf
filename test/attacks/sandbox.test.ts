// Attacks on the wasm sandbox (issue 11, "Sandbox"; invariant 10 of DESIGN.md). Any peer may
// submit a WASI module to a worker that opted in with --allow-wasm; whatever WASI call the module
// makes must be served from memory, made deterministic or answered with an error code, and never
// reach the worker's process.
import { createCipheriv, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { decode } from '@webassemblyjs/wasm-parser'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { runWasm, type WasmSettings } from '../../src/tasks/exec/wasm.js'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { wasmFixture } from '../helpers/wasm.js'
import type { ExecResult } from '../../src/tasks/exec/executor.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

const MiB = 1024 * 1024
const ERRNO_BADF = 8
const ERRNO_FAULT = 21
const ERRNO_INVAL = 28
const MS = 1_000_000n
/** The realtime clock at logical time 0: 2000-01-01T00:00:00Z. */
const REALTIME_AT_ZERO = 946_684_800_000_000_000n
/** Every function of wasi_snapshot_preview1. */
const PREVIEW1 = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get', 'poll_oneoff', 'random_get',
  'sched_yield', 'proc_exit', 'proc_raise', 'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get',
  'fd_fdstat_set_flags', 'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek', 'fd_sync', 'fd_tell',
  'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link', 'path_open', 'path_readlink',
  'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file', 'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown'
]
const settings: WasmSettings = { clock: systemClock, maxMemoryBytes: 256 * MiB, maxTimeMs: 60_000, maxOutputBytes: 16 * MiB }
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--heartbeat-ms', '200', '--log-level', 'warn']
const modules: Record<string, Uint8Array> = {}

beforeAll(async () => {
  for (const name of ['raise', 'args-environ', 'fd-calls', 'path-calls', 'sock-calls', 'not-preview1', 'random', 'clock', 'poll-oneoff']) modules[name] = await wasmFixture(name)
})

async function run (name: string, input = '', overrides: Partial<WasmSettings> = {}): Promise<ExecResult> {
  return await runWasm(modules[name] as Uint8Array, new TextEncoder().encode(input), { signal: new AbortController().signal, onProgress: () => {} }, { ...settings, ...overrides })
}

/** Reads a module's output as the little-endian words it printed. */
function words (output: Uint8Array): { u32: () => number, u64: () => bigint, rest: () => number } {
  const data = new DataView(output.buffer, output.byteOffset, output.byteLength)
  let at = 0
  return {
    u32: () => { at += 4; return data.getUint32(at - 4, true) },
    u64: () => { at += 8; return data.getBigUint64(at - 8, true) },
    rest: () => output.byteLength - at
  }
}

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView
const finished = (node: MeshNode, id: string): boolean => ['succeeded', 'failed', 'cancelled'].includes(view(node, id).state)

/** A process's state from /proc: gone (or a zombie), stopped (T, t) or running. */
function processState (pid: number): 'gone' | 'stopped' | 'running' {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return 'gone'
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'Z' || state === 'X' ? 'gone' : state === 'T' || state === 't' ? 'stopped' : 'running'
}

async function idOf (dataDir: string): Promise<string> {
  return JSON.parse((await runBin(['id', '--json', '--data-dir', dataDir])).stdout).peerId as string
}

describe('attack 1: a module reaches the host process through WASI', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  // The attacker submits modules that call proc_raise with WASI signals 9 (KILL), 15 (TERM),
  // 18 (STOP) and 19 (TSTP) to a worker that is running someone else's task. Must hold: the worker
  // process is neither killed, stopped nor drained, the other task succeeds on its first lease, and
  // each hostile task fails for good saying which signal it raised.
  it('proc_raise with KILL, TERM, STOP or TSTP fails only its task: the worker process and its other task carry on', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, probationLeases: 16 })
    const dir = await mesh.tempDir()
    const worker = procs.start(['--data-dir', dir, ...LOOPBACK, '--allow-wasm', '--slots', '8', '--bootstrap', addrOf(owner)])
    const pid = worker.child.pid as number
    await waitForApiFile(dir)
    const workerId = await idOf(dir)
    await expect.poll(async () => (await owner.peers()).find(p => p.peerId === workerId)?.state, { timeout: 30_000 }).toBe('alive')

    const [other] = await owner.tasks.submit({ kind: 'sleep', input: '15000', maxAttempts: 1 }) as [string]
    await expect.poll(() => view(owner, other).leases[0]?.holder, { timeout: 30_000 }).toBe(workerId)

    const module = Buffer.from(modules.raise as Uint8Array).toString('base64')
    const signals = [9, 15, 18, 19]
    const hostile: string[] = []
    for (const signal of signals) hostile.push(...await owner.tasks.submit({ kind: 'wasm', module, input: String(signal), maxAttempts: 1 }))
    // Until every hostile task is decided, or the worker is gone or stopped (so today's code fails fast).
    await expect.poll(() => processState(pid) !== 'running' || hostile.every(id => finished(owner, id)), { timeout: 60_000, interval: 100 }).toBe(true)
    expect(processState(pid)).toBe('running')
    // The hostile tasks ran while the other task was running.
    expect(view(owner, other).state).toBe('leased')
    for (const [i, id] of hostile.entries()) {
      expect(view(owner, id).state).toBe('failed')
      const attempt = owner.tasks.logs(id).attempts[0]
      expect(attempt?.worker).toBe(workerId)
      expect(attempt?.error).toMatch(new RegExp(`^the module raised signal ${signals[i] as number} `))
    }

    await expect.poll(() => view(owner, other).state, { timeout: 60_000, interval: 100 }).toBe('succeeded')
    expect(view(owner, other).replicas[0]).toMatchObject({ worker: workerId, epoch: 1, attempts: 1 })
    expect(processState(pid)).toBe('running')
    expect((await owner.peers()).find(p => p.peerId === workerId)?.state).toBe('alive')
  }, 120_000)

  it('proc_raise of any signal, as a module runs in the thread, ends the run as a final failure naming the signal', async () => {
    for (const signal of [0, 1, 2, 6, 9, 11, 15, 17, 18, 19, 30, 31, 255]) {
      const result = await run('raise', String(signal))
      expect(result.outcome).toBe('failed_permanent')
      expect(result.error).toMatch(new RegExp(`^the module raised signal ${signal} \\(${signal === 9 ? 'SIGKILL' : signal === 18 ? 'SIGSTOP' : signal >= 31 ? 'not a WASI signal' : 'SIG[A-Z]+'}\\); a signal never leaves the sandbox`))
      expect(result.output).toHaveLength(0)
    }
  })

  // The attacker's module probes for files, sockets and the host's arguments and environment.
  // Must hold: it sees none of them; every call naming a descriptor it was not given answers EBADF.
  it('fd_*: every call but reading fd 0 and writing fds 1 and 2 answers EBADF, on the stdio fds too', async () => {
    const result = await run('fd-calls')
    expect(result.outcome).toBe('succeeded')
    expect([...result.output]).toEqual(new Array(100).fill(ERRNO_BADF))
  })

  it('path_*: no directory is preopened, so every path call answers EBADF', async () => {
    const result = await run('path-calls')
    expect(result.outcome).toBe('succeeded')
    expect([...result.output]).toEqual(new Array(20).fill(ERRNO_BADF))
  })

  it('sock_*: there is no socket, so every socket call answers EBADF', async () => {
    const result = await run('sock-calls')
    expect(result.outcome).toBe('succeeded')
    expect([...result.output]).toEqual(new Array(16).fill(ERRNO_BADF))
  })

  it('args and environ: argv is ["task"] and the environment is empty, whatever the host\'s', async () => {
    const result = await run('args-environ')
    expect(result.outcome).toBe('succeeded')
    const words = new Uint32Array(result.output.slice(0, 36).buffer)
    // args_sizes_get: ok, 1 argument, 5 bytes; args_get: ok, argv[0] at the buffer; environ: ok, none, 0 bytes; ok.
    expect([...words]).toEqual([0, 1, 5, 0, 0, 0, 0, 0, 0])
    expect(Buffer.from(result.output.slice(36)).toString('latin1')).toBe('task\0\0\0\0\0\0\0\0\0\0\0\0')
  })

  it('a module importing a name that wasi_snapshot_preview1 does not have is refused when it links', async () => {
    expect(await run('not-preview1')).toMatchObject({ outcome: 'failed_permanent', error: expect.stringMatching(/^the module cannot run here: .*sock_open/) })
  })
})

describe('attack 2: a module reads the clock or randomness, so honest replicas disagree', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  // The attacker submits a module whose output depends on random_get, clock_time_get or a clock
  // wait in poll_oneoff, at redundancy 2: honest workers would report different outputs and the
  // owner would judge them misreports. Must hold: the same module and input give the same output
  // on every run, on every worker, at once (no real waiting).
  it('random_get gives the same bytes on every run of the same module and input', async () => {
    const [first, second] = [await run('random', 'same input'), await run('random', 'same input')]
    expect(first.outcome).toBe('succeeded')
    expect(Buffer.from(second.output).toString('hex')).toBe(Buffer.from(first.output).toString('hex'))
  })

  it('clock_time_get and clock_res_get read the same on every run', async () => {
    const [first, second] = [await run('clock'), await run('clock')]
    expect(first.outcome).toBe('succeeded')
    expect(Buffer.from(second.output).toString('hex')).toBe(Buffer.from(first.output).toString('hex'))
  })

  it('poll_oneoff on a clock an hour away returns at once, and the same on every run', async () => {
    // A generous cap for a module that should take milliseconds: today it sleeps for the hour.
    const [first, second] = [await run('poll-oneoff', '', { maxTimeMs: 5000 }), await run('poll-oneoff', '', { maxTimeMs: 5000 })]
    expect(first.outcome).toBe('succeeded')
    expect(Buffer.from(second.output).toString('hex')).toBe(Buffer.from(first.output).toString('hex'))
  })

  it('at redundancy 2 on two honest workers, modules reading randomness and clocks succeed and nobody is judged a misreport', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, probationLeases: 16 })
    const workers = [await mesh.node({ heartbeatMs: 200, allowWasm: true, bootstrap: [addrOf(owner)] }), await mesh.node({ heartbeatMs: 200, allowWasm: true, bootstrap: [addrOf(owner)] })]
    await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 30_000 }).toBe(2)
    const ids: string[] = []
    for (const name of ['random', 'clock', 'poll-oneoff']) {
      ids.push(...await owner.tasks.submit({ kind: 'wasm', module: Buffer.from(modules[name] as Uint8Array).toString('base64'), input: 'replicated', redundancy: 2 }))
    }
    // Until every task is decided, or the owner adds a replica because two disagreed (so today's code fails fast).
    await expect.poll(() => ids.some(id => view(owner, id).state === 'verifying') || ids.every(id => finished(owner, id)), { timeout: 60_000, interval: 100 }).toBe(true)
    for (const id of ids) {
      expect(view(owner, id).state).toBe('succeeded')
      expect(view(owner, id).replicas.map(r => r.verdict)).toEqual(['agreed', 'agreed'])
    }
    for (const worker of workers) expect(owner.reputation().find(p => p.peerId === worker.peerId)?.counts.misreport ?? 0).toBe(0)
  }, 120_000)
})

describe('what a module sees of WASI: exactly what the README says, the same on every host', () => {
  it('the fixtures of this file call every function of wasi_snapshot_preview1', () => {
    const importsOf = (bytes: Uint8Array): string[] => (decode(bytes, { ignoreCodeSection: true, ignoreDataSection: true }).body[0]?.fields ?? [])
      .filter(f => f.type === 'ModuleImport' && f.module === 'wasi_snapshot_preview1').map(f => f.name ?? '')
    const called = new Set(Object.values(modules).flatMap(importsOf))
    expect(PREVIEW1.filter(name => !called.has(name))).toEqual([])
    expect(PREVIEW1).toHaveLength(46)
  })

  it('random_get: the AES-256-CTR keystream keyed by SHA-256(label, SHA-256(module), SHA-256(input)); another input, other bytes', async () => {
    const result = await run('random', 'same input')
    const out = words(result.output)
    expect([out.u32(), out.u32(), out.u32()]).toEqual([0, 0, ERRNO_FAULT])
    const sha256 = (bytes: Uint8Array | string): Buffer => createHash('sha256').update(bytes).digest()
    const key = createHash('sha256').update('mesh-node wasm random_get v1\0').update(sha256(modules.random as Uint8Array)).update(sha256('same input')).digest()
    const expected = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(64))
    expect(Buffer.from(result.output.subarray(12)).toString('hex')).toBe(expected.toString('hex'))
    expect(Buffer.from((await run('random', 'other input')).output.subarray(12)).toString('hex')).not.toBe(expected.toString('hex'))
  })

  it('clocks: one logical clock from 0 (realtime 2000-01-01T00:00:00Z), 1 ms resolution, each read moves it 1 ms; an unknown clock is EINVAL', async () => {
    const out = words((await run('clock')).output)
    for (const [id, base] of [[0, REALTIME_AT_ZERO], [1, 0n], [2, 0n], [3, 0n]] as const) {
      expect([out.u32(), out.u64()], `clock_res_get(${id})`).toEqual([0, MS])
      expect([out.u32(), out.u64()], `clock_time_get(${id})`).toEqual([0, base + BigInt(id) * MS])
    }
    expect([out.u32(), out.u32()]).toEqual([ERRNO_INVAL, ERRNO_INVAL])
    expect([out.u32(), out.u64()]).toEqual([0, 4n * MS])
    expect(out.rest()).toBe(0)
  })

  it('poll_oneoff and sched_yield: nothing waits; clocks alone move time to the earliest deadline, fds are ready or EBADF', async () => {
    const result = await run('poll-oneoff', 'abc')
    expect(result.outcome).toBe('succeeded')
    const out = words(result.output)
    const event = (): unknown[] => [out.u64(), out.u32(), out.u32(), out.u64(), out.u32()]
    expect(out.u32(), 'sched_yield').toBe(0)
    // An hour's sleep returns at once, an hour later on the logical clock.
    expect([out.u32(), out.u32(), event(), out.u64()]).toEqual([0, 1, [0x1111n, 0, 0, 0n, 0], 3600_000n * MS])
    // Until 02:00 on the realtime clock.
    expect([out.u32(), out.u32(), event(), out.u64()]).toEqual([0, 1, [0x2222n, 0, 0, 0n, 0], REALTIME_AT_ZERO + 7200_000n * MS])
    // fd 0 readable with its 3 unread bytes, fd 1 writable, fd 5 EBADF; the clock neither fires nor moves.
    expect([out.u32(), out.u32(), event(), event(), event(), out.u64()]).toEqual([0, 3,
      [0x3333n, 0, 1, 3n, 0], [0x4444n, 0, 2, 65_536n, 0], [0x5555n, ERRNO_BADF, 1, 0n, 0], 7200_001n * MS])
    expect([out.u32(), out.u32(), event()]).toEqual([0, 1, [0x7777n, ERRNO_INVAL, 0, 0n, 0]])
    expect(out.u32(), 'no subscriptions').toBe(ERRNO_INVAL)
    expect(out.rest()).toBe(0)
  })
})
