import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { processAlive } from '../helpers/procs.js'

/**
 * The disk fills while a node runs (issue 11, attack 8): remote peers and local users can fill
 * a disk (results, blobs, logs), and a node must survive it. The node runs in its own mount
 * namespace (`unshare -m`, root only) on a 24 MiB tmpfs, so SQLite's database, its WAL and the
 * files next to them all hit ENOSPC for real. The test reaches the namespace's files through
 * /proc/<pid>/root. Must hold: the node keeps running; a submit is refused with one clear error
 * (HTTP 507, STORE_FULL; the CLI exits 1 with one line); every acknowledged task is kept; when
 * space returns it carries on; and it still stops cleanly, leaving no node.lock or api.json.
 */

const SIZE_MIB = 24

interface Node {
  /** The shell that holds the mount namespace; it prints what is left in the data dir once the node has exited. */
  shell: ChildProcess
  pid: number
  output: () => string
  exited: Promise<number | null>
  root: string
}

describe('a disk that fills up', () => {
  const started: ChildProcess[] = []
  const dirs: string[] = []
  afterEach(async () => {
    for (const child of started.splice(0)) child.kill('SIGKILL')
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  async function startOnTmpfs (): Promise<Node & { dataDir: string }> {
    const mountPoint = await mkdtemp(join(tmpdir(), 'mesh-full-'))
    dirs.push(mountPoint)
    const dataDir = join(mountPoint, 'data')
    // The shell stays to report the node's exit code and what it left in its data dir.
    const script = `mount -t tmpfs -o size=${SIZE_MIB}m tmpfs "$1" || exit 99
"$2" "$3" start --data-dir "$1/data" --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 --no-worker --log-level warn
echo "EXIT $?"
ls -A "$1/data" | sed 's/^/LEFT /'`
    const shell = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', mountPoint, process.execPath, BIN], { stdio: ['ignore', 'pipe', 'pipe'] })
    started.push(shell)
    let output = ''
    shell.stdout?.on('data', chunk => { output += String(chunk) })
    shell.stderr?.on('data', chunk => { output += String(chunk) })
    const exited = new Promise<number | null>(resolve => { shell.once('exit', code => { resolve(code) }) })
    let pid = 0
    await expect.poll(() => {
      try {
        pid = Number(readFileSync(`/proc/${shell.pid as number}/task/${shell.pid as number}/children`, 'utf8').trim().split(' ')[0])
      } catch {}
      return pid > 0 && existsSync(`/proc/${pid}/root${dataDir}/api.json`)
    }, { timeout: 30_000, interval: 100 }).toBe(true)
    return { shell, pid, output: () => output, exited, root: `/proc/${pid}/root`, dataDir }
  }

  async function submit (api: { url: string, token: string }, count: number): Promise<{ status: number, body: { ids?: string[], error?: { code: string, message: string } } }> {
    const response = await fetch(`${api.url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'nobody-runs-this', input: 'x'.repeat(2000), count })
    })
    return { status: response.status, body: await response.json() as { ids?: string[], error?: { code: string, message: string } } }
  }

  it('a node whose disk fills keeps running, refuses submits with STORE_FULL, keeps what it acknowledged, and carries on when space returns', async () => {
    const node = await startOnTmpfs()
    const inNs = (path: string): string => `${node.root}${path}`
    const { url } = JSON.parse(readFileSync(inNs(`${node.dataDir}/api.json`), 'utf8')) as { url: string }
    const token = existsSync(inNs(`${node.dataDir}/api.token`)) ? readFileSync(inNs(`${node.dataDir}/api.token`), 'utf8').trim() : (JSON.parse(readFileSync(inNs(`${node.dataDir}/api.json`), 'utf8')) as { token: string }).token
    const api = { url, token }

    const first = await submit(api, 50)
    expect(first.status).toBe(200)
    const acknowledged = first.body.ids as string[]

    // Fill the disk: a file beside the data dir takes every free byte.
    const filler = inNs(`${node.dataDir}/../filler`)
    const block = Buffer.alloc(1024 * 1024)
    for (let i = 0; i < SIZE_MIB * 2; i++) {
      try {
        writeFileSync(filler, block, { flag: 'a' })
      } catch {
        break
      }
    }
    for (let i = 0; i < 1024; i++) {
      try {
        writeFileSync(filler, Buffer.alloc(1024), { flag: 'a' })
      } catch {
        break
      }
    }

    // Submits are refused with a clear error, again and again, and the node stays up through its
    // timers (the owner's sweep writes why its tasks wait, heartbeats, prunes) meanwhile.
    let full: Awaited<ReturnType<typeof submit>> | undefined
    await expect.poll(async () => (full = await submit(api, 200)).status, { timeout: 30_000, interval: 500 }).toBe(507)
    expect(full?.body.error?.code).toBe('STORE_FULL')
    await new Promise(resolve => setTimeout(resolve, 5000))
    expect(processAlive(node.pid)).toBe(true)
    expect((await submit(api, 1)).status).toBe(507)
    const cli = await new Promise<{ code: number | null, stdout: string, stderr: string }>(resolve => {
      const c = spawn('nsenter', ['-t', String(node.pid), '-m', process.execPath, BIN, 'submit', '--kind', 'nobody-runs-this', '--input', 'y', '--data-dir', node.dataDir])
      let stdout = ''
      let stderr = ''
      c.stdout.on('data', d => { stdout += String(d) })
      c.stderr.on('data', d => { stderr += String(d) })
      c.on('exit', code => { resolve({ code, stdout, stderr }) })
    })
    expect(cli.code).toBe(1)
    expect(cli.stderr.trim().split('\n')).toHaveLength(1)
    expect(cli.stderr).toMatch(/full/i)

    // Space returns: the node carries on, with every task it acknowledged.
    await unlink(filler)
    await expect.poll(async () => (await submit(api, 5)).status, { timeout: 30_000, interval: 500 }).toBe(200)
    const listed = await (await fetch(`${url}/v1/tasks`, { headers: { authorization: `Bearer ${token}` } })).json() as Array<{ id: string }>
    const ids = new Set(listed.map(t => t.id))
    for (const id of acknowledged) expect(ids.has(id)).toBe(true)

    process.kill(node.pid, 'SIGTERM')
    expect(await node.exited).toBe(0)
    expect(node.output()).toContain('EXIT 0')
    // No stack trace, and no lock or api.json left behind.
    expect(node.output()).not.toMatch(/^\s+at /m)
    expect(node.output()).not.toMatch(/LEFT (node\.lock|api\.json)/)
    expect(node.output()).toMatch(/LEFT mesh\.db/)
  }, 180_000)
})
