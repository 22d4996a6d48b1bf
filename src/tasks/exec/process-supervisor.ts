import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LIMITS } from '../../gossip/wire/limits.js'
import type { CommandKind } from './command-kinds.js'
import { localLimit, type ExecResult, type RunOptions } from './executor.js'
import type { Clock } from '../../clock.js'

/**
 * Runs one attempt of a command kind as a supervised child process:
 * - its own process group (detached), so every process it starts can be signalled together;
 * - a fresh temporary working directory, removed afterwards;
 * - a scrubbed environment: PATH, HOME (the working directory), LANG, TMPDIR, plus only the
 *   variables the operator allowed for the kind;
 * - the input on stdin, the output from stdout up to a cap, the last 4 KiB of stderr kept;
 *   stderr lines `progress <0..100>` report progress;
 * - on abort (timeout, cancel, lost lease, stop): SIGTERM to the group, SIGKILL after the grace;
 *   after the main process ends, SIGKILL to whatever of the group is left;
 * - CPU, memory and open-file limits through prlimit(1) where it exists.
 */

export interface SupervisorSettings {
  clock: Clock
  killGraceMs: number
  /** Path of prlimit, or null where there is none. */
  prlimit: string | null
}

const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find(path => existsSync(path)) ?? null

export function defaultSupervisorSettings (clock: Clock): SupervisorSettings {
  return { clock, killGraceMs: 2000, prlimit: PRLIMIT }
}

function signalGroup (pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {}
}

function commandLine (kind: CommandKind, prlimit: string | null): string[] {
  const { cpuSeconds, memoryBytes, openFiles } = kind.limits
  if (prlimit == null || (cpuSeconds == null && memoryBytes == null && openFiles == null)) return kind.argv
  return [
    prlimit,
    ...(cpuSeconds != null ? [`--cpu=${cpuSeconds}`] : []),
    ...(memoryBytes != null ? [`--as=${memoryBytes}`] : []),
    ...(openFiles != null ? [`--nofile=${openFiles}`] : []),
    '--',
    ...kind.argv
  ]
}

/** The PATH a task's process gets, unless its kind passes the node's own through (`env: ["PATH"]`). */
export const TASK_PATH = '/usr/local/bin:/usr/bin:/bin'

/** The environment a command kind's process starts with (its working directory is `cwd`). */
export function taskEnvironment (kind: Pick<CommandKind, 'env'>, cwd: string, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: TASK_PATH, HOME: cwd, TMPDIR: cwd, LANG: 'C.UTF-8' }
  for (const name of kind.env) if (from[name] != null) env[name] = from[name]
  return env
}

export async function runProcess (kind: CommandKind, input: Uint8Array, options: RunOptions, settings: SupervisorSettings): Promise<ExecResult> {
  const { clock, killGraceMs } = settings
  const cwd = await mkdtemp(join(tmpdir(), 'mesh-task-'))
  const env = taskEnvironment(kind, cwd)
  const [command, ...args] = commandLine(kind, settings.prlimit) as [string, ...string[]]
  try {
    return await new Promise<ExecResult>(resolve => {
      const child = spawn(command, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
      const stdout: Buffer[] = []
      let stdoutBytes = 0
      let stderrTail = ''
      let overflow = false
      let stopping: string | undefined
      let graceTimer: unknown
      const stop = (reason: string): void => {
        if (stopping != null || child.pid == null) return
        stopping = reason
        signalGroup(child.pid, 'SIGTERM')
        graceTimer = clock.setTimeout(() => { if (child.pid != null) signalGroup(child.pid, 'SIGKILL') }, killGraceMs)
      }
      const onAbort = (): void => { stop(String((options.signal.reason as Error)?.message ?? 'stopped')) }
      options.signal.addEventListener('abort', onAbort, { once: true })
      if (options.signal.aborted) onAbort()

      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.byteLength
        if (stdoutBytes > kind.maxOutputBytes) {
          overflow = true
          stop(`output over ${kind.maxOutputBytes} bytes`)
          return
        }
        stdout.push(chunk)
      })
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8')
        for (const match of text.matchAll(/^progress (\d{1,3})\s*$/gm)) options.onProgress(Math.min(100, Number(match[1])))
        stderrTail = (stderrTail + text).slice(-LIMITS.stderrTailChars)
      })
      // A process that does not read its stdin must not fail the attempt by itself.
      child.stdin.on('error', () => {})
      child.stdin.end(input)

      const finish = (result: ExecResult): void => {
        options.signal.removeEventListener('abort', onAbort)
        clock.clearTimeout(graceTimer)
        // Whatever the main process left behind in its group goes with it.
        if (child.pid != null) signalGroup(child.pid, 'SIGKILL')
        resolve({ ...result, stderrTail })
      }
      child.on('error', err => {
        exited = true
        settled = true
        // This node's command is missing or broken: nothing about the task.
        finish(localLimit(`cannot start ${kind.argv[0] ?? ''}: ${err.message}`))
      })
      let exited = false
      child.on('exit', (code, signal) => {
        exited = true
        // Whatever the main process left behind in its group goes with it, so the pipes close.
        if (child.pid != null) signalGroup(child.pid, 'SIGKILL')
        // A descendant that left the group (setsid) may still hold stdout open: do not wait for it.
        clock.setTimeout(() => {
          if (child.stdout.closed && child.stderr.closed) return
          child.stdout.destroy()
          child.stderr.destroy()
          settle(code, signal)
        }, 1000)
      })
      child.on('close', (code, signal) => { settle(code, signal) })
      let settled = false
      const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled || !exited) return
        settled = true
        if (overflow) {
          // The operator's cap for this kind on this node: another node's may be larger.
          finish(localLimit(`output over ${kind.maxOutputBytes} bytes`))
        } else if (stopping != null) {
          finish({ outcome: 'failed', output: new Uint8Array(), error: `stopped (${stopping})`, ...(code != null ? { exitCode: code } : {}) })
        } else if (signal != null) {
          finish({ outcome: 'failed', output: new Uint8Array(), error: `killed by ${signal}` })
        } else if (code === 0) {
          finish({ outcome: 'succeeded', output: new Uint8Array(Buffer.concat(stdout)), exitCode: 0 })
        } else {
          const final = kind.nonRetryableExitCodes.includes(code ?? -1)
          finish({ outcome: final ? 'failed_permanent' : 'failed', output: new Uint8Array(), exitCode: code ?? -1, error: `exited with code ${code ?? -1}${final ? ' (not retryable)' : ''}` })
        }
      }
    })
  } finally {
    await rm(cwd, { recursive: true, force: true, maxRetries: 3 })
  }
}
