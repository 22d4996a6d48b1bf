import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { inspectWasmModule, runWasm, type WasmSettings } from '../../src/tasks/exec/wasm.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import { wasmFixture } from '../helpers/wasm.js'
import type { ExecResult } from '../../src/tasks/exec/executor.js'
import type { TaskView } from '../../src/tasks/owner.js'

const MiB = 1024 * 1024
const settings: WasmSettings = { clock: systemClock, maxMemoryBytes: 256 * MiB, maxTimeMs: 60_000, maxOutputBytes: 16 * MiB }
const modules: Record<string, Uint8Array> = {}

beforeAll(async () => {
  for (const name of ['echo', 'loop', 'memory-hog', 'unbounded', 'exit-7', 'fd-probe']) modules[name] = await wasmFixture(name)
})

async function run (name: string, input: string, overrides: Partial<WasmSettings> = {}, signal = new AbortController().signal): Promise<ExecResult & { progress: number[] }> {
  const progress: number[] = []
  const result = await runWasm(modules[name] as Uint8Array, new TextEncoder().encode(input), { signal, onProgress: p => { progress.push(p) } }, { ...settings, ...overrides })
  return { ...result, progress }
}

describe('the wasm sandbox', () => {
  it('runs a WASI module: input on stdin, output from stdout, progress from stderr', async () => {
    const result = await run('echo', 'hello, sandbox')
    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, stderrTail: 'progress 50\n' })
    expect(new TextDecoder().decode(result.output)).toBe('hello, sandbox')
    expect(result.progress).toEqual([50])
  })

  it('gives the module no file descriptor: closing, seeking or pwriting its stdio, and opening paths, all answer EBADF', async () => {
    expect(await run('fd-probe', '')).toMatchObject({ outcome: 'succeeded', exitCode: 0 })
    expect(new TextDecoder().decode((await run('fd-probe', '')).output)).toBe('sandboxed')
    // Runs after it still have their stdio.
    expect(new TextDecoder().decode((await run('echo', 'after the probe')).output)).toBe('after the probe')
  })

  it('takes the memory cap from the module: none declared, or one over the node cap, is refused before it runs', () => {
    expect(inspectWasmModule(modules['memory-hog'] as Uint8Array, 256 * MiB)).toEqual({ maxMemoryBytes: MiB })
    expect(() => inspectWasmModule(modules.unbounded as Uint8Array, 256 * MiB)).toThrow('declares no memory maximum')
    expect(() => inspectWasmModule(modules['memory-hog'] as Uint8Array, 512 * 1024)).toThrow('over this node\'s cap of 524288 bytes')
    expect(() => inspectWasmModule(new TextEncoder().encode('#!/bin/sh\nrm -rf /'), 256 * MiB)).toThrow('not a WebAssembly module')
  })

  it('a memory-hungry module fails cleanly at its declared maximum, and for good (no retry)', async () => {
    const result = await run('memory-hog', '')
    expect(result.outcome).toBe('failed_permanent')
    expect(result.error).toMatch(/^wasm trap: unreachable.*memory 1048576 of its 1048576-byte maximum/)
  })

  it('a looping module stops at the wall-clock cap; an abort (timeout, cancel, lost lease) stops it too', async () => {
    expect(await run('loop', '', { maxTimeMs: 500 })).toMatchObject({ outcome: 'failed', error: 'wasm ran past this node\'s cap of 500 ms' })
    const abort = new AbortController()
    setTimeout(() => { abort.abort(new Error('cancelled')) }, 300)
    expect(await run('loop', '', {}, abort.signal)).toMatchObject({ outcome: 'failed', error: 'stopped: cancelled' })
  })

  it('a non-zero exit is a final failure; output over this worker\'s cap, or a memory maximum over its cap, is its own limit (retryable elsewhere)', async () => {
    expect(await run('exit-7', '')).toMatchObject({ outcome: 'failed_permanent', exitCode: 7, error: 'exited with code 7' })
    const big = await run('echo', 'x'.repeat(5000), { maxOutputBytes: 4096 })
    expect(big).toMatchObject({ outcome: 'failed', localLimit: true, error: 'this worker\'s limit: output over 4096 bytes' })
    expect(await run('memory-hog', '', { maxMemoryBytes: 512 * 1024 })).toMatchObject({ outcome: 'failed', localLimit: true, error: 'this worker\'s limit: the module\'s memory maximum of 1048576 bytes is over this worker\'s cap of 524288 bytes' })
  })
})

describe('wasm tasks on the mesh', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('only --allow-wasm workers run them; a looping module times out and its worker stays healthy', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false })
    const plain = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    const sandbox = await mesh.node({ heartbeatMs: 200, allowWasm: true, bootstrap: [addrOf(owner)] })
    await expect.poll(async () => (await owner.peers()).filter(p => p.state === 'alive').length, { timeout: 20_000 }).toBe(2)
    expect((await owner.peers()).find(p => p.peerId === sandbox.peerId)?.capabilities).toContainEqual({ kind: 'wasm', deterministic: true })
    expect((await owner.peers()).find(p => p.peerId === plain.peerId)?.capabilities.map(c => c.kind)).not.toContain('wasm')

    const module = Buffer.from(modules.echo as Uint8Array).toString('base64')
    const [echo] = await owner.tasks.submit({ kind: 'wasm', module, input: 'from the owner' })
    await expect.poll(() => (owner.tasks.get(echo as string) as TaskView).state, { timeout: 30_000, interval: 100 }).toBe('succeeded')
    expect(new TextDecoder().decode(owner.tasks.output(echo as string))).toBe('from the owner')
    expect(owner.tasks.logs(echo as string).attempts[0]?.worker).toBe(sandbox.peerId)

    const [loop] = await owner.tasks.submit({ kind: 'wasm', module: Buffer.from(modules.loop as Uint8Array).toString('base64'), timeoutMs: 1000, maxAttempts: 1 })
    await expect.poll(() => (owner.tasks.get(loop as string) as TaskView).state, { timeout: 30_000, interval: 100 }).toBe('failed')
    expect(owner.tasks.logs(loop as string).attempts[0]).toMatchObject({ worker: sandbox.peerId, error: 'timed out after 1000 ms' })

    // The worker is still alive and working: a memory-hungry module fails cleanly, then echo runs again.
    const [hog] = await owner.tasks.submit({ kind: 'wasm', module: Buffer.from(modules['memory-hog'] as Uint8Array).toString('base64') })
    await expect.poll(() => (owner.tasks.get(hog as string) as TaskView).state, { timeout: 30_000, interval: 100 }).toBe('failed')
    expect((owner.tasks.get(hog as string) as TaskView).attempts).toBe(1)
    const [again] = await owner.tasks.submit({ kind: 'wasm', module, input: 'still here' })
    await expect.poll(() => (owner.tasks.get(again as string) as TaskView).state, { timeout: 30_000, interval: 100 }).toBe('succeeded')
    expect((await owner.peers()).find(p => p.peerId === sandbox.peerId)?.state).toBe('alive')
  })

  it('refuses at submit a module no worker would run, with the reason', async () => {
    const owner = await mesh.node({ worker: false })
    await expect(owner.tasks.submit({ kind: 'wasm', module: Buffer.from(modules.unbounded as Uint8Array).toString('base64') }))
      .rejects.toThrow('invalid wasm module: the module declares no memory maximum')
    await expect(owner.tasks.submit({ kind: 'wasm' })).rejects.toThrow('a wasm task needs its module')
    await expect(owner.tasks.submit({ kind: 'echo', module: 'AAAA' })).rejects.toThrow('a module is for kind wasm only')
  })
})
