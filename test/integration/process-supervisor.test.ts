import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { commandKindSchema, parseAllowExec, type CommandKind } from '../../src/tasks/exec/command-kinds.js'
import { runProcess } from '../../src/tasks/exec/process-supervisor.js'
import { groupAlive, processAlive } from '../helpers/procs.js'
import type { ExecResult } from '../../src/tasks/exec/executor.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
const kind = (argv: string[], extra: Record<string, unknown> = {}): CommandKind => commandKindSchema.parse({ argv, ...extra }) as CommandKind
const settings = { clock: systemClock, killGraceMs: 300, prlimit: ['/usr/bin/prlimit', '/bin/prlimit'].find(p => existsSync(p)) ?? null }

async function run (k: CommandKind, input = '', abortAfterMs?: number, progress: number[] = []): Promise<ExecResult> {
  const controller = new AbortController()
  if (abortAfterMs != null) setTimeout(() => { controller.abort(new Error('timed out')) }, abortAfterMs)
  return await runProcess(k, new TextEncoder().encode(input), { signal: controller.signal, onProgress: p => { progress.push(p) } }, settings)
}

describe('process supervisor (real child processes)', () => {
  const dirs: string[] = []
  afterEach(async () => { for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true }) })

  it('feeds the input on stdin and returns stdout', async () => {
    expect(await run(kind([join(FIXTURES, 'task-ok')]), 'hello')).toMatchObject({ outcome: 'succeeded', output: new TextEncoder().encode('HELLO'), exitCode: 0 })
  })

  it.each([
    [3, 'failed'],
    [1, 'failed'],
    [2, 'failed_permanent'],
    [65, 'failed_permanent']
  ])('maps exit code %i to %s, keeping the stderr tail', async (code, outcome) => {
    const result = await run(kind([join(FIXTURES, 'task-exit-N'), String(code)]))
    expect(result).toMatchObject({ outcome, exitCode: code, error: expect.stringContaining(`exited with code ${code}`) })
    expect(result.stderrTail).toContain(`exiting with ${code}`)
  })

  it('reports a crash by signal as a retryable failure', async () => {
    expect(await run(kind([join(FIXTURES, 'task-crash')]))).toMatchObject({ outcome: 'failed', error: 'killed by SIGSEGV' })
  })

  it('fails a task whose output is over this node\'s cap as its own limit: retryable, and left to other workers', async () => {
    expect(await run(kind([join(FIXTURES, 'task-big-output')], { maxOutputBytes: 65536 }))).toMatchObject({ outcome: 'failed', localLimit: true, error: 'this worker\'s limit: output over 65536 bytes' })
  })

  it('on timeout sends SIGTERM, then SIGKILL after the grace: no process of the group remains', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-sup-'))
    dirs.push(dir)
    const pidFile = join(dir, 'pid')
    const result = await run(kind([join(FIXTURES, 'task-hang'), pidFile]), '', 500)
    expect(result).toMatchObject({ outcome: 'failed', error: 'stopped (timed out)' })
    const pid = Number((await readFile(pidFile, 'utf8')).trim())
    expect(pid).toBeGreaterThan(0)
    await expect.poll(() => processAlive(pid) || groupAlive(pid), { timeout: 10_000 }).toBe(false)
  })

  it('kills a grandchild with the task (it stays in the process group)', async () => {
    const result = await run(kind([join(FIXTURES, 'task-spawns-grandchild')]), '', 500)
    expect(result.outcome).toBe('failed')
    const grandchild = Number(/grandchild (\d+)/.exec(result.stderrTail ?? '')?.[1])
    expect(grandchild).toBeGreaterThan(0)
    await expect.poll(() => processAlive(grandchild), { timeout: 10_000 }).toBe(false)
  })

  it('reports progress lines from stderr', async () => {
    const progress: number[] = []
    expect(await run(kind([join(FIXTURES, 'task-progress')]), '', undefined, progress)).toMatchObject({ outcome: 'succeeded' })
    expect(progress).toEqual([10, 50, 90])
  })

  it('scrubs the environment, runs in a fresh directory it removes afterwards, and applies prlimit limits', async () => {
    process.env.MESH_TEST_SECRET = 'do-not-leak'
    process.env.MESH_TEST_ALLOWED = 'pass-me'
    try {
      const result = await run(kind([join(FIXTURES, 'task-env')], { env: ['MESH_TEST_ALLOWED'], limits: { cpuSeconds: 10, openFiles: 64 } }))
      expect(result.outcome).toBe('succeeded')
      const text = new TextDecoder().decode(result.output)
      expect(text).not.toContain('do-not-leak')
      expect(text).toContain('MESH_TEST_ALLOWED=pass-me')
      const cwd = text.trim().split('\n').at(-1) as string
      expect(cwd).toMatch(/mesh-task-/)
      expect(text).toContain(`HOME=${cwd}`)
      expect(existsSync(cwd)).toBe(false)
    } finally {
      delete process.env.MESH_TEST_SECRET
      delete process.env.MESH_TEST_ALLOWED
    }
  })

  it('reports a command that cannot start on this node as its own limit, not a failure of the task', async () => {
    expect(await run(kind(['/nonexistent/command']))).toMatchObject({ outcome: 'failed', localLimit: true, error: expect.stringContaining('cannot start') })
  })
})

describe('--allow-exec parsing (no shell)', () => {
  it.each([
    ['upper=tr a-z A-Z', 'upper', ['tr', 'a-z', 'A-Z']],
    ['py=python3 -c "import sys; print(sys.stdin.read())"', 'py', ['python3', '-c', 'import sys; print(sys.stdin.read())']],
    ["s=sh -c 'cat; echo done'", 's', ['sh', '-c', 'cat; echo done']],
    ['spaced=/opt/my\\ tool --x', 'spaced', ['/opt/my tool', '--x']]
  ])('splits %j', (value, name, argv) => {
    expect(parseAllowExec(value)).toEqual([name, argv])
  })

  it.each(['noequals', '=cmd', 'Bad=cmd', 'x=', 'x=cat | sh', 'x=cat > /etc/passwd', 'x=echo $HOME', 'x=ls *'])('refuses %j', value => {
    expect(() => parseAllowExec(value)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
  })
})
