import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const BIN = fileURLToPath(new URL('../../bin/mesh-node', import.meta.url))
export const SIM = fileURLToPath(new URL('../../scripts/sim.mjs', import.meta.url))

export interface CliResult { code: number, stdout: string, stderr: string }

/**
 * Runs the real binary (compiled JS; `npm test` builds first) to completion: within 60 s and
 * 1 MiB of output unless `opts` says otherwise, with `opts.stdin` on its stdin; `opts.bin` runs
 * another copy of bin/mesh-node.
 */
export async function runBin (args: string[], env: NodeJS.ProcessEnv = {}, opts: { timeoutMs?: number, maxBuffer?: number, stdin?: string, bin?: string } = {}): Promise<CliResult> {
  return await new Promise(resolve => {
    const child = execFile(process.execPath, [opts.bin ?? BIN, ...args], { env: { ...process.env, ...env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: opts.maxBuffer ?? 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err == null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
    // Nothing on stdin unless given: a command that reads it sees end of input, as from /dev/null.
    child.stdin?.end(opts.stdin)
  })
}

/** Runs `npm run sim` (scripts/sim.mjs, compiled JS) to completion, for at most 5 minutes. */
export async function runSim (args: string[]): Promise<CliResult> {
  return await new Promise(resolve => {
    execFile(process.execPath, [SIM, ...args], { timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

/** `mesh-node start` processes of one test file; killAll() ends any still running. */
export class NodeProcesses {
  private readonly children = new Set<ChildProcess>()

  start (args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess, exited: Promise<number | null>, output: () => string } {
    const child = spawn(process.execPath, [BIN, 'start', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.add(child)
    let output = ''
    child.stdout?.on('data', chunk => { output += String(chunk) })
    child.stderr?.on('data', chunk => { output += String(chunk) })
    const exited = new Promise<number | null>(resolve => {
      child.once('exit', code => { this.children.delete(child); resolve(code) })
    })
    return { child, exited, output: () => output }
  }

  async killAll (): Promise<void> {
    await Promise.all([...this.children].map(async child => {
      const gone = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGKILL')
      await gone
    }))
  }
}

/** Waits for a started node to write its api.json; its url, with the data dir's API token. */
export async function waitForApiFile (dataDir: string): Promise<{ url: string, token: string }> {
  await expect.poll(async () => await readFile(join(dataDir, 'api.json'), 'utf8').then(() => true, () => false),
    { timeout: 30_000, interval: 100 }).toBe(true)
  const { url } = JSON.parse(await readFile(join(dataDir, 'api.json'), 'utf8')) as { url: string }
  return { url, token: (await readFile(join(dataDir, 'api.token'), 'utf8')).trim() }
}
