import { createHash } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh } from '../helpers/nodes.js'

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--log-level', 'warn']

function expectOneLineError (stderr: string): void {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^mesh-node: /)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('mesh-node binary end to end', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('starts, answers status and peers, joins a second node through --bootstrap, and exits 0 on SIGTERM', async () => {
    const dirA = await mesh.tempDir()
    const dirB = await mesh.tempDir()
    const a = procs.start(['--data-dir', dirA, ...LOOPBACK])
    await waitForApiFile(dirA)

    const status = await runBin(['status', '--json', '--data-dir', dirA])
    expect(status.code).toBe(0)
    const parsed = JSON.parse(status.stdout)
    expect(parsed).toMatchObject({ network: 'mesh', peers: 0 })
    expect(parsed.peerId).toMatch(/^12D3KooW/)
    const bootstrapAddr = parsed.addrs.find((addr: string) => addr.startsWith('/ip4/127.0.0.1/tcp/')) as string
    expect(bootstrapAddr).toMatch(new RegExp(`/p2p/${parsed.peerId as string}$`))
    expect(a.output()).toContain(bootstrapAddr)

    // Global options are accepted before the subcommand too; MESH_DATA_DIR works as --data-dir.
    const b = procs.start(['--bootstrap', bootstrapAddr, ...LOOPBACK], { MESH_DATA_DIR: dirB })
    await waitForApiFile(dirB)
    await expect.poll(async () => JSON.parse((await runBin(['--json', '--data-dir', dirA, 'peers'])).stdout), { timeout: 30_000 })
      .toEqual([expect.objectContaining({ connected: true, addrs: expect.any(Array) })])
    const idB = JSON.parse((await runBin(['id', '--json'], { MESH_DATA_DIR: dirB })).stdout).peerId
    const peersOfA = JSON.parse((await runBin(['peers', '--json', '--data-dir', dirA])).stdout)
    expect(peersOfA[0].peerId).toBe(idB)
    // b dialled a: a lists b's listen address, not the source port of b's connection.
    const listenB = (JSON.parse((await runBin(['status', '--json', '--data-dir', dirB])).stdout).addrs as string[]).map(addr => addr.replace(/\/p2p\/.*$/, ''))
    expect(peersOfA[0].addrs.length).toBeGreaterThan(0)
    for (const addr of peersOfA[0].addrs as string[]) expect(listenB).toContain(addr)

    const text = await runBin(['status', '--data-dir', dirB])
    expect(text.stdout).toMatch(/peers\s+1 connected/)

    // A bad argument the node refuses is a usage error too.
    const badDial = await runBin(['connect', 'not-a-multiaddr', '--data-dir', dirA])
    expect(badDial.code).toBe(2)
    expectOneLineError(badDial.stderr)

    // A listen address that is taken: exit 1, one line naming the address.
    const taken = bootstrapAddr.replace(`/p2p/${parsed.peerId as string}`, '')
    const clash = await runBin(['start', '--data-dir', await mesh.tempDir(), '--listen', taken, '--api', '127.0.0.1:0'])
    expect(clash.code).toBe(1)
    expectOneLineError(clash.stderr)
    expect(clash.stderr).toContain(taken)

    b.child.kill('SIGTERM')
    a.child.kill('SIGTERM')
    expect(await b.exited).toBe(0)
    expect(await a.exited).toBe(0)

    // The node is gone: a CLI call against it exits 3 with one line.
    const stopped = await runBin(['status', '--data-dir', dirA])
    expect(stopped.code).toBe(3)
    expectOneLineError(stopped.stderr)
  })

  it('exits 3 when --api points at a port where no node listens, and never sends the token off the machine', async () => {
    const result = await runBin(['status', '--api', '127.0.0.1:1'])
    expect(result.code).toBe(3)
    expectOneLineError(result.stderr)
    const remote = await runBin(['status', '--api', '10.0.0.5:7373', '--token', 'secret'])
    expect(remote.code).toBe(2)
    expectOneLineError(remote.stderr)
  })

  it('says so when the node on a data dir runs without an API', async () => {
    const dir = await mesh.tempDir()
    const node = procs.start(['--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', 'off'])
    await expect.poll(() => node.output(), { timeout: 30_000 }).toContain('api: off')
    const result = await runBin(['status', '--data-dir', dir])
    expect(result.code).toBe(3)
    expectOneLineError(result.stderr)
    expect(result.stderr).toContain('without a control API')
    node.child.kill('SIGTERM')
    expect(await node.exited).toBe(0)
  })

  it('refuses bad flag values and unknown flags with exit 2 and one line, no stack trace', async () => {
    const dir = await mesh.tempDir()
    const cases = [
      ['start', '--data-dir', dir, '--listen', 'nope'],
      ['start', '--data-dir', dir, '--network', 'Bad/Name'],
      ['start', '--data-dir', dir, '--api', '0.0.0.0:7373'],
      ['start', '--data-dir', dir, '--bootstrap', '/ip4/127.0.0.1/tcp/4001'],
      ['start', '--data-dir', dir, '--log-level', 'loud'],
      ['start', '--data-dir', dir, '--swarm-key', join(dir, 'missing.key')],
      ['start', '--data-dir', '/proc/mesh-node-test'],
      ['start', '--no-such-flag'],
      ['no-such-command']
    ]
    for (const args of cases) {
      const result = await runBin(args)
      expect(result.code, args.join(' ')).toBe(2)
      expectOneLineError(result.stderr)
    }
    // No command, or help on a command that does not exist: the usage text on stderr, exit 2.
    for (const args of [[], ['help', 'no-such-command']]) {
      const result = await runBin(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toContain('Usage: mesh-node')
      expect(result.stderr).not.toMatch(/\n\s+at /)
    }
    const named = await runBin(['start', '--data-dir', dir, '--listen', 'nope'])
    expect(named.stderr).toContain('listen[0]')
    // A port already in use: one line naming the address and the cause, no stack lines (exit 1).
    const blocker = createServer()
    await new Promise<void>(resolve => { blocker.listen(0, '127.0.0.1', resolve) })
    try {
      const port = (blocker.address() as AddressInfo).port
      const busy = await runBin(['start', '--data-dir', dir, '--api', '127.0.0.1:0', '--listen', `/ip4/127.0.0.1/tcp/${port}`])
      expect(busy.code).toBe(1)
      expectOneLineError(busy.stderr)
      expect(busy.stderr).toContain(`cannot listen on /ip4/127.0.0.1/tcp/${port}`)
      expect(busy.stderr).not.toMatch(/; at /)
    } finally {
      blocker.close()
    }
  })

  it('takes config from a JSON file, with flags over env over file', async () => {
    const dir = await mesh.tempDir()
    const config = join(dir, 'config.json')
    await writeFile(config, JSON.stringify({ dataDir: dir, network: 'from-file', listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0', logLevel: 'warn' }))
    const fileOnly = procs.start(['--config', config])
    await waitForApiFile(dir)
    expect(JSON.parse((await runBin(['status', '--json', '--config', config])).stdout).network).toBe('from-file')
    fileOnly.child.kill('SIGTERM')
    expect(await fileOnly.exited).toBe(0)

    const envOverFile = procs.start(['--config', config], { MESH_NETWORK: 'from-env' })
    await waitForApiFile(dir)
    expect(JSON.parse((await runBin(['status', '--json', '--data-dir', dir])).stdout).network).toBe('from-env')
    envOverFile.child.kill('SIGTERM')
    expect(await envOverFile.exited).toBe(0)

    const flagOverEnv = procs.start(['--config', config, '--network', 'from-flag'], { MESH_NETWORK: 'from-env' })
    await waitForApiFile(dir)
    expect(JSON.parse((await runBin(['status', '--json', '--data-dir', dir])).stdout).network).toBe('from-flag')
    flagOverEnv.child.kill('SIGTERM')
    expect(await flagOverEnv.exited).toBe(0)

    await writeFile(config, '{"network": 7}')
    const bad = await runBin(['start', '--config', config])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('network')
    expectOneLineError(bad.stderr)
  })

  it('reads task data with the data dir\'s token, keeps the token across restarts, and "token --rotate" takes effect at once; a 2 MiB --input-file goes as raw bytes', async () => {
    const dir = await mesh.tempDir()
    const node = procs.start(['--data-dir', dir, ...LOOPBACK])
    const { url, token } = await waitForApiFile(dir)
    const printed = await runBin(['token', '--data-dir', dir])
    expect(printed).toMatchObject({ code: 0, stdout: `${token}\n` })
    expect(token).toMatch(/^[0-9a-f]{64}$/)

    const input = join(dir, '..', `${dir.split('/').at(-1) ?? ''}-input.bin`)
    const bytes = Buffer.alloc(2 * 1024 * 1024 + 3, 'mesh')
    await writeFile(input, bytes)
    const submitted = await runBin(['submit', '--kind', 'sha256', '--input-file', input, '--wait', '--data-dir', dir])
    expect(submitted).toMatchObject({ code: 0, stdout: createHash('sha256').update(bytes).digest('hex') })
    const [task] = JSON.parse((await runBin(['tasks', '--json', '--data-dir', dir])).stdout) as Array<{ id: string }>
    for (const args of [['task', task?.id ?? ''], ['result', task?.id ?? ''], ['logs', task?.id ?? ''], ['reputation']]) {
      expect((await runBin([...args, '--data-dir', dir])).code, args[0]).toBe(0)
    }
    const open = await fetch(`${url}/v1/tasks`)
    expect(open.status).toBe(401)

    // A leaked token is rotated: the running node refuses it from the next request on.
    const rotated = (await runBin(['token', '--rotate', '--data-dir', dir])).stdout.trim()
    expect(rotated).toMatch(/^[0-9a-f]{64}$/)
    expect(rotated).not.toBe(token)
    expect((await fetch(`${url}/v1/tasks`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    expect((await fetch(`${url}/v1/tasks`, { headers: { authorization: `Bearer ${rotated}` } })).status).toBe(200)
    expect((await runBin(['tasks', '--data-dir', dir])).code).toBe(0)
    const refused = await runBin(['tasks', '--data-dir', dir, '--token', token])
    expect(refused.code).toBe(1)
    expectOneLineError(refused.stderr)

    // The token outlives the process.
    node.child.kill('SIGTERM')
    expect(await node.exited).toBe(0)
    procs.start(['--data-dir', dir, ...LOOPBACK])
    expect((await waitForApiFile(dir)).token).toBe(rotated)
    expect((await runBin(['result', task?.id ?? '', '--data-dir', dir])).stdout).toBe(createHash('sha256').update(bytes).digest('hex'))
    await rm(input, { force: true })
  })

  it('prints ids, swarm keys, help and version', async () => {
    const dir = await mesh.tempDir()
    const first = await runBin(['id', '--data-dir', dir])
    const second = await runBin(['--data-dir', dir, 'id'])
    expect(first.code).toBe(0)
    expect(first.stdout.trim()).toMatch(/^12D3KooW\w+$/)
    expect(second.stdout).toBe(first.stdout)

    const psk = await runBin(['psk'])
    expect(psk.stdout).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(Buffer.byteLength(psk.stdout)).toBe(95)

    for (const args of [['--help'], ['help', 'start'], ['status', '--help'], ['--version']]) {
      const result = await runBin(args)
      expect(result.code, args.join(' ')).toBe(0)
      expect(result.stdout.length).toBeGreaterThan(0)
    }
    expect((await runBin(['help', 'start'])).stdout).toContain('--swarm-key')
    expect((await runBin(['peers', '--help'])).stdout).toContain('--data-dir')
  })
})
