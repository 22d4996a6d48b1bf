import { readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { PeerSummary } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/view.js'

/**
 * A restarted node finds its mesh again (issue 16): it dials the peers its peer store remembers,
 * not only its bootstrap list; a worker reaches an owner that came back on another port through
 * the addresses the owner announces in its heartbeats; a node alone keeps dialing with growing
 * backoff and connects when a peer returns.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--heartbeat-ms', '200', '--log-level', 'info']

async function idOf (dataDir: string): Promise<string> {
  return JSON.parse((await runBin(['id', '--json', '--data-dir', dataDir])).stdout).peerId as string
}

async function peersOf (dataDir: string): Promise<PeerSummary[]> {
  const result = await runBin(['peers', '--json', '--data-dir', dataDir])
  return result.code === 0 ? JSON.parse(result.stdout) as PeerSummary[] : []
}

/** The node's listen address, once its API answers (a killed node's api.json stays behind until the new one is written). */
async function addrOfProcess (dataDir: string): Promise<string> {
  let addr = ''
  await expect.poll(async () => {
    const result = await runBin(['status', '--json', '--data-dir', dataDir])
    if (result.code === 0) addr = (JSON.parse(result.stdout) as { addrs: string[] }).addrs[0] as string
    return result.code
  }, { timeout: 30_000, interval: 200 }).toBe(0)
  return addr
}

async function taskOf (dataDir: string, id: string): Promise<TaskView> {
  return JSON.parse((await runBin(['task', id, '--json', '--data-dir', dataDir])).stdout) as TaskView
}

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

describe('a restarted node finds its mesh again', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('an owner killed mid-batch and restarted on a fresh port, with a dead worker as its only bootstrap, reconnects to its live workers and completes the batch', async () => {
    const env = { MESH_PROBATION_LEASES: '4' }
    const ownerDir = await mesh.tempDir()
    const first = procs.start(['--data-dir', ownerDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '2000'], env)
    await waitForApiFile(ownerDir)
    const ownerId = await idOf(ownerDir)
    const ownerAddr = await addrOfProcess(ownerDir)
    const workerDirs = [await mesh.tempDir(), await mesh.tempDir(), await mesh.tempDir()]
    const workers = workerDirs.map(dir => procs.start(['--data-dir', dir, ...LOOPBACK, '--slots', '2', '--bootstrap', ownerAddr]))
    await Promise.all(workerDirs.map(waitForApiFile))
    const workerIds = await Promise.all(workerDirs.map(idOf))
    const workerAddrs = await Promise.all(workerDirs.map(addrOfProcess))
    await expect.poll(async () => (await peersOf(ownerDir)).filter(p => workerIds.includes(p.peerId) && p.state === 'alive').length, { timeout: 30_000, interval: 500 }).toBe(3)
    // Brand-new nodes dialling the bootstrap peer they were given are not rejoining anything.
    for (const w of workers) expect(w.output()).not.toContain('reconnected to a remembered peer')

    // One worker dies for good; it is the only bootstrap address the owner will get.
    const dead = workers[2]
    dead?.child.kill('SIGKILL')
    await dead?.exited

    const submitted = await runBin(['submit', '--kind', 'sleep', '--input', '1500', '--count', '10', '--json', '--data-dir', ownerDir])
    expect(submitted.code).toBe(0)
    const ids = JSON.parse(submitted.stdout).ids as string[]
    const succeeded = async (): Promise<number> => {
      const result = await runBin(['tasks', '--state', 'succeeded', '--json', '--data-dir', ownerDir])
      return result.code === 0 ? (JSON.parse(result.stdout) as TaskView[]).filter(t => ids.includes(t.id)).length : -1
    }
    await expect.poll(succeeded, { timeout: 45_000, interval: 200 }).toBeGreaterThan(0)
    first.child.kill('SIGKILL')
    await first.exited

    const second = procs.start(['--data-dir', ownerDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '2000', '--bootstrap', workerAddrs[2] as string], env)
    // A fresh port: the workers' bootstrap address for the owner is dead too.
    const secondAddr = await addrOfProcess(ownerDir)
    expect(secondAddr).not.toBe(ownerAddr)
    await expect.poll(async () => (await peersOf(ownerDir)).filter(p => workerIds.slice(0, 2).includes(p.peerId) && p.connected).length, { timeout: 30_000, interval: 500 }).toBe(2)
    await expect.poll(succeeded, { timeout: 90_000, interval: 500 }).toBe(10)
    expect(second.output()).toContain('reconnected to a remembered peer')

    const all = JSON.parse((await runBin(['tasks', '--json', '--data-dir', ownerDir])).stdout) as TaskView[]
    expect(all.map(t => t.id).sort()).toEqual([...ids].sort())
    for (const task of await Promise.all(ids.map(async id => await taskOf(ownerDir, id)))) {
      expect(task.owner).toBe(ownerId)
      expect(task.history.filter(h => h.reason === 'submitted')).toHaveLength(1)
      expect(task.history.filter(h => h.state === 'succeeded')).toHaveLength(1)
    }
    // The dead worker shows when it was last connected, and when it is dialled next.
    const deadPeer = (await peersOf(ownerDir)).find(p => p.peerId === workerIds[2])
    expect(deadPeer).toMatchObject({ connected: false })
    expect(deadPeer?.lastConnectedAt).toBeTypeOf('number')
    expect(deadPeer?.nextDialAt).toBeTypeOf('number')
    expect(deadPeer?.dialFailures).toBeGreaterThan(0)
  }, 240_000)

  it('a worker holding a result reaches its owner restarted on a fresh port through the address the owner announces in heartbeats, and delivers it', async () => {
    const relay = await mesh.node({ heartbeatMs: 200, worker: false })
    const ownerDir = await mesh.tempDir()
    const ownerArgs = ['--data-dir', ownerDir, ...LOOPBACK, '--no-worker', '--lease-ttl-ms', '60000', '--bootstrap', addrOf(relay)]
    const first = procs.start(ownerArgs)
    await waitForApiFile(ownerDir)
    const ownerId = await idOf(ownerDir)
    const worker = await mesh.node({ heartbeatMs: 200, slots: 1, bootstrap: [addrOf(relay)] })
    await expect.poll(async () => (await peersOf(ownerDir)).find(p => p.peerId === worker.peerId)?.state, { timeout: 30_000, interval: 300 }).toBe('alive')

    const submitted = await runBin(['submit', '--kind', 'sleep', '--input', '3000', '--json', '--data-dir', ownerDir])
    const id = JSON.parse(submitted.stdout).id as string
    await expect.poll(() => (worker.tasks.stats() as { running: number }).running, { timeout: 30_000, interval: 50 }).toBe(1)
    first.child.kill('SIGKILL')
    await first.exited
    // The run ends while the owner is down: the worker keeps the signed result.
    await expect.poll(() => (worker.tasks.stats() as { running: number }).running, { timeout: 30_000, interval: 100 }).toBe(0)

    // The owner forgets every address it knew (its peer store), comes back on another port, and
    // knows only the relay: the worker learns the new address from its heartbeats.
    await rm(join(ownerDir, 'datastore'), { recursive: true, force: true })
    procs.start(ownerArgs)
    await addrOfProcess(ownerDir)
    await expect.poll(async () => (await taskOf(ownerDir, id)).state, { timeout: 60_000, interval: 500 }).toBe('succeeded')
    const task = await taskOf(ownerDir, id)
    expect(task.replicas[0]).toMatchObject({ worker: worker.peerId, epoch: 1 })
    expect(task.history.filter(h => h.state === 'succeeded')).toHaveLength(1)
    expect(task.history.some(h => h.reason.includes('expired'))).toBe(false)
    expect((await worker.peers()).find(p => p.peerId === ownerId)?.connected).toBe(true)
  }, 180_000)

  it('a node whose every peer is gone keeps dialing them with growing backoff and little CPU, and connects as soon as one returns', async () => {
    const aDir = await mesh.tempDir()
    const config = join(aDir, 'config.json')
    await writeFile(config, JSON.stringify({ redialMaxBackoffMs: 4000 }))
    const a = procs.start(['--data-dir', aDir, ...LOOPBACK, '--config', config])
    await waitForApiFile(aDir)
    const aAddr = await addrOfProcess(aDir)
    const bDir = await mesh.tempDir()
    const b = await mesh.node({ dataDir: bDir, heartbeatMs: 200, bootstrap: [aAddr] })
    const c = await mesh.node({ heartbeatMs: 200, bootstrap: [aAddr] })
    const bId = b.peerId
    const bListen = addrOf(b).replace(/\/p2p\/.*$/, '')
    await expect.poll(async () => (await peersOf(aDir)).filter(p => p.connected).length, { timeout: 30_000, interval: 300 }).toBe(2)

    await b.stop()
    await c.stop()
    await expect.poll(async () => (await peersOf(aDir)).filter(p => p.connected).length, { timeout: 30_000, interval: 300 }).toBe(0)
    const pid = a.child.pid as number
    const cpuBefore = cpuMs(pid)
    const startedAt = Date.now()
    // Watch b's dial state: each failed dial pushes the next one out by a backoff that doubles
    // from 1 s up to the 4 s cap (+-20 %). From the first failure seen to the last, the due time
    // must move by at least the sum of those backoffs (a fixed 1 s retry would not), and by no
    // more than the capped backoffs plus a tick and a dial each.
    let first: { failures: number, at: number } | undefined
    let last: { failures: number, at: number } | undefined
    await expect.poll(async () => {
      const peer = (await peersOf(aDir)).find(p => p.peerId === bId)
      if (peer?.nextDialAt != null && peer.dialFailures > 0 && peer.dialFailures > (last?.failures ?? 0)) {
        last = { failures: peer.dialFailures, at: peer.nextDialAt }
        first ??= last
      }
      return (last?.failures ?? 0) - (first?.failures ?? 0)
    }, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(4)
    const elapsed = Date.now() - startedAt
    const cpu = cpuMs(pid) - cpuBefore
    const backoff = (n: number): number => Math.min(4000, 1000 * 2 ** (n - 1))
    let least = 0
    let most = 0
    for (let n = (first?.failures ?? 0) + 1; n <= (last?.failures ?? 0); n++) {
      least += 0.8 * backoff(n)
      most += 1.2 * backoff(n) + 2000
    }
    const moved = (last?.at ?? 0) - (first?.at ?? 0)
    expect(moved).toBeGreaterThanOrEqual(least)
    expect(moved).toBeLessThanOrEqual(most)
    // Bounded CPU: an idle node that keeps redialing uses a small share of one core (the CLI calls of this test run in other processes).
    expect(cpu / elapsed).toBeLessThan(0.25)

    // b comes back on its old address, without its peer store (so it cannot dial a itself): a dials it.
    await rm(join(bDir, 'datastore'), { recursive: true, force: true })
    await mesh.node({ dataDir: bDir, heartbeatMs: 200, listen: [bListen] })
    await expect.poll(async () => (await peersOf(aDir)).find(p => p.peerId === bId)?.connected, { timeout: 20_000, interval: 300 }).toBe(true)
  }, 240_000)
})
