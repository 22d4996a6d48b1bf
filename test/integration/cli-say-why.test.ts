import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh } from '../helpers/nodes.js'
import type { MeshNodeStatus } from '../../src/node/mesh-node.js'

/** Issue 18, through the real binary: every failure says why, at once. */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--log-level', 'warn']
const PNET = 'private network key mismatch (or the peer is not on this private network)'

function expectOneLineError (stderr: string): void {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^mesh-node: /)
  expect(stderr).not.toMatch(/\n\s+at /)
}

async function loopbackAddr (dir: string): Promise<string> {
  const status = JSON.parse((await runBin(['status', '--json', '--data-dir', dir])).stdout) as MeshNodeStatus
  return status.addrs.find(a => a.startsWith('/ip4/127.0.0.1/')) as string
}

describe('say why, at once (issue 18)', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('submit --wait warns at submit when too few live peers run the kind, says why it waits, and fails with the last reason', async () => {
    const dir = await mesh.tempDir()
    procs.start(['--data-dir', dir, ...LOOPBACK])
    await waitForApiFile(dir)
    // A typo'd kind nobody runs, and a redundancy above the one peer (this node) that runs echo.
    const [typo, redundant] = await Promise.all([
      runBin(['submit', '--kind', 'sha265', '--input', 'x', '--deadline', '12000', '--wait', '--data-dir', dir]),
      runBin(['submit', '--kind', 'echo', '--input', 'x', '--redundancy', '2', '--deadline', '12000', '--wait', '--data-dir', dir])
    ])
    expect(typo.code).toBe(1)
    const lines = typo.stderr.trim().split('\n')
    expect(lines[0]).toBe('mesh-node: warning: no live peer runs kind "sha265" (nor this node): the task waits until one does, or until its deadline ("mesh-node peers" lists the kinds each peer runs)')
    // While it waited: its state and why (no terminal: a line when that changes, after 5 s).
    expect(lines).toContain('mesh-node: 0/1 done (1 pending) · waiting: no capable peer')
    expect(lines.at(-1)).toMatch(/^mesh-node: task [0-9a-f]{64} failed: deadline passed: no capable peer$/)
    expect(typo.stderr).not.toMatch(/\n\s+at /)

    expect(redundant.code).toBe(1)
    const said = redundant.stderr.trim().split('\n')
    expect(said[0]).toMatch(/^mesh-node: warning: only 1 live peer\(s\) run kind "echo" \(this node counted\), fewer than the 2 distinct peers redundancy 2 needs/)
    expect(said.some(line => /^mesh-node: 0\/1 done \(1 (pending|verifying)\) · waiting: waiting for 1 more distinct eligible peer\(s\); 0 available/.test(line))).toBe(true)
    expect(said.at(-1)).toMatch(/^mesh-node: task [0-9a-f]{64} failed: deadline passed: waiting for 1 more distinct eligible peer\(s\); 0 available/)

    // A kind that runs draws no warning.
    const fine = await runBin(['submit', '--kind', 'echo', '--input', 'ok', '--wait', '--data-dir', dir])
    expect(fine).toMatchObject({ code: 0, stdout: 'ok', stderr: '' })
  })

  it('reports a connection that fails at the private-network layer as a key mismatch: in logs, in connect (exit 1) and in status', async () => {
    const keyDir = await mesh.tempDir()
    const [key, otherKey] = [join(keyDir, 'swarm.key'), join(keyDir, 'other.key')]
    expect((await runBin(['psk', '--out', key])).code).toBe(0)
    expect((await runBin(['psk', '--out', otherKey])).code).toBe(0)
    const [member, stranger, open] = [await mesh.tempDir(), await mesh.tempDir(), await mesh.tempDir()]
    const a = procs.start(['--data-dir', member, ...LOOPBACK, '--swarm-key', key])
    await waitForApiFile(member)
    const addr = await loopbackAddr(member)
    procs.start(['--data-dir', stranger, ...LOOPBACK, '--swarm-key', otherKey])
    // A node without a key, told to join through the private one: its own dial at start says why it fails.
    const keyless = procs.start(['--data-dir', open, ...LOOPBACK, '--bootstrap', addr])
    await waitForApiFile(stranger)
    await waitForApiFile(open)
    for (const dir of [stranger, open]) {
      const dial = await runBin(['connect', addr, '--data-dir', dir])
      expect(dial.code, dir).toBe(1)
      expectOneLineError(dial.stderr)
      expect(dial.stderr).toContain(`cannot dial ${addr}: ${PNET}`)
      const status = JSON.parse((await runBin(['status', '--json', '--data-dir', dir])).stdout) as MeshNodeStatus
      expect(status.failedDials.private_network).toBeGreaterThanOrEqual(1)
      expect(status.peers).toBe(0)
      expect((await runBin(['status', '--data-dir', dir])).stdout).toMatch(new RegExp(`failed dials \\d+ ${PNET.replace(/[()]/g, '\\$&')}`))
    }
    await expect.poll(() => keyless.output(), { timeout: 30_000 }).toContain(`cannot connect to ${addr}: ${PNET}`)
    // The private node says so of the inbound attempts, and counts them.
    await expect.poll(() => a.output(), { timeout: 30_000 }).toContain(`failed: ${PNET}`)
    const memberStatus = JSON.parse((await runBin(['status', '--json', '--data-dir', member])).stdout) as MeshNodeStatus
    expect(memberStatus.failedInbound.private_network).toBeGreaterThanOrEqual(2)
    expect(a.output() + keyless.output()).not.toMatch(/Message length/)
  }, 90_000)

  it('refuses --bootstrap with an empty peer id with exit 2 and one line naming the flag and the value', async () => {
    const dir = await mesh.tempDir()
    const value = '/ip4/127.0.0.1/tcp/4001/p2p/'
    const flag = await runBin(['start', '--data-dir', dir, ...LOOPBACK, '--bootstrap', value])
    expect(flag.code).toBe(2)
    expectOneLineError(flag.stderr)
    expect(flag.stderr).toContain(`bootstrap[0] (--bootstrap): "${value}" has an empty peer id after /p2p/`)
    const env = await runBin(['start', '--data-dir', dir, ...LOOPBACK], { MESH_BOOTSTRAP: value })
    expect(env.code).toBe(2)
    expectOneLineError(env.stderr)
    expect(env.stderr).toContain(`bootstrap[0] (MESH_BOOTSTRAP): "${value}"`)
    const bad = await runBin(['start', '--data-dir', dir, ...LOOPBACK, '--bootstrap', '/ip4/127.0.0.1/tcp/4001/p2p/not-a-peer-id'])
    expect(bad.code).toBe(2)
    expectOneLineError(bad.stderr)
    expect(bad.stderr).toContain('(--bootstrap): "/ip4/127.0.0.1/tcp/4001/p2p/not-a-peer-id" ends in /p2p/not-a-peer-id, which is not a peer id')
  })

  it('takes a unique prefix of 8 or more digits wherever a task id goes, lists the matches of an ambiguous one (exit 2), and tasks prints short ids', async () => {
    const dir = await mesh.tempDir()
    const node = procs.start(['--data-dir', dir, ...LOOPBACK])
    await waitForApiFile(dir)
    const { ids } = JSON.parse((await runBin(['submit', '--kind', 'echo', '--input', 'abc', '--count', '2', '--json', '--data-dir', dir])).stdout) as { ids: string[] }
    const [id, other] = ids as [string, string]
    await expect.poll(async () => JSON.parse((await runBin(['tasks', '--state', 'succeeded', '--json', '--data-dir', dir])).stdout).length, { timeout: 20_000 }).toBe(2)
    const listed = await runBin(['tasks', '--data-dir', dir])
    expect(listed.stdout.trim().split('\n').map(line => line.split(/\s+/)[0]).sort()).toEqual([id.slice(0, 12), other.slice(0, 12)].sort())
    expect((JSON.parse((await runBin(['tasks', '--json', '--data-dir', dir])).stdout) as Array<{ id: string }>).map(t => t.id).sort()).toEqual([...ids].sort())

    const prefix = id.slice(0, 8)
    expect(JSON.parse((await runBin(['task', prefix, '--json', '--data-dir', dir])).stdout)).toMatchObject({ id, state: 'succeeded' })
    expect((await runBin(['result', id.slice(0, 12).toUpperCase(), '--data-dir', dir])).stdout).toBe('abc')
    expect(JSON.parse((await runBin(['logs', prefix, '--json', '--data-dir', dir])).stdout)).toMatchObject({ id })
    const cancel = await runBin(['cancel', prefix, '--data-dir', dir])
    expect(cancel.code).toBe(1)
    expect(cancel.stderr).toContain(`task ${id} is succeeded`)
    const short = await runBin(['task', id.slice(0, 7), '--data-dir', dir])
    expect(short.code).toBe(2)
    expectOneLineError(short.stderr)

    // Two tasks whose ids share 9 digits (content-derived ids never do by chance: they are written into the store while the node is stopped).
    node.child.kill('SIGTERM')
    expect(await node.exited).toBe(0)
    const db = new Database(join(dir, 'mesh.db'))
    const copy = db.prepare("INSERT INTO tasks (id, state, kind, idempotency_key, batch_index, created_at, finished_at, doc, input, output, priority, deadline) SELECT ?, state, kind, NULL, NULL, created_at, finished_at, json_set(doc, '$.id', ?), input, output, priority, deadline FROM tasks WHERE id = ?")
    const twins = ['deadbeef0', 'deadbeef1'].map(head => head + id.slice(9))
    for (const twin of twins) copy.run(twin, twin, id)
    db.close()
    procs.start(['--data-dir', dir, ...LOOPBACK])
    await waitForApiFile(dir)
    const ambiguous = await runBin(['task', 'deadbeef', '--data-dir', dir])
    expect(ambiguous.code).toBe(2)
    expectOneLineError(ambiguous.stderr)
    expect(ambiguous.stderr).toContain(`task id prefix deadbeef is ambiguous: it matches ${twins[0] as string}, ${twins[1] as string}`)
    expect((await runBin(['result', 'deadbeef1', '--data-dir', dir])).stdout).toBe('abc')
    expect((await runBin(['task', 'deadbeef2', '--data-dir', dir])).code).toBe(1)
  }, 90_000)

  it('leaves out a command kind whose program does not resolve, saying so in one line; --strict-exec refuses to start', async () => {
    const [dirA, dirB] = [await mesh.tempDir(), await mesh.tempDir()]
    const render = '/nonexistent/bin/render'
    const a = procs.start(['--data-dir', dirA, ...LOOPBACK, '--allow-exec', `render=${render} --fast`, '--allow-exec', 'upper=tr a-z A-Z'])
    await waitForApiFile(dirA)
    const said = a.output().split('\n').filter(line => line.includes('render'))
    expect(said).toHaveLength(1)
    expect(said[0]).toContain(`command kind render: ${render}: no such file; not offered`)
    procs.start(['--data-dir', dirB, ...LOOPBACK, '--bootstrap', await loopbackAddr(dirA)])
    await waitForApiFile(dirB)
    await expect.poll(async () => (JSON.parse((await runBin(['peers', '--json', '--data-dir', dirB])).stdout) as Array<{ capabilities: Array<{ kind: string }> }>)
      .flatMap(p => p.capabilities.map(c => c.kind)), { timeout: 30_000 }).toContain('upper')
    const kinds = (JSON.parse((await runBin(['peers', '--json', '--data-dir', dirB])).stdout) as Array<{ capabilities: Array<{ kind: string }> }>).flatMap(p => p.capabilities.map(c => c.kind))
    expect(kinds).not.toContain('render')
    expect((await runBin(['submit', '--kind', 'render', '--input', 'x', '--data-dir', dirA])).stderr).toContain('warning: no live peer runs kind "render"')
    expect(await runBin(['submit', '--kind', 'upper', '--input', 'hi', '--wait', '--data-dir', dirA])).toMatchObject({ code: 0, stdout: 'HI' })

    const strict = await runBin(['start', '--data-dir', await mesh.tempDir(), ...LOOPBACK, '--strict-exec', '--allow-exec', `render=${render}`])
    expect(strict.code).toBe(2)
    expectOneLineError(strict.stderr)
    expect(strict.stderr).toContain(`command kind render: ${render}: no such file`)
  }, 90_000)

  it('psk --out writes the key with mode 0600 and never overwrites a file', async () => {
    const dir = await mesh.tempDir()
    const path = join(dir, 'swarm.key')
    const made = await runBin(['psk', '--out', path])
    expect(made.code).toBe(0)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const key = await readFile(path, 'utf8')
    expect(key).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    const again = await runBin(['psk', '--out', path])
    expect(again.code).toBe(2)
    expectOneLineError(again.stderr)
    expect(again.stderr).toContain('exists; not overwriting it')
    expect(await readFile(path, 'utf8')).toBe(key)
    // Not even a file of another kind in its place.
    const other = join(dir, 'notes.txt')
    await writeFile(other, 'keep me')
    expect((await runBin(['psk', '--out', other])).code).toBe(2)
    expect(await readFile(other, 'utf8')).toBe('keep me')
  })
})
