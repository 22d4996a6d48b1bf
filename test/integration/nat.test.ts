import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NatLab } from '../helpers/nat-lab.js'
import type { MeshNodeStatus, PeerSummary } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/view.js'

/**
 * Issue 14 on one machine: nodes in a "public" namespace and nodes behind two home routers that
 * masquerade and drop every new inbound connection (test/helpers/nat-lab.ts). As root with
 * `ip` and `nft` this runs; elsewhere it is skipped with the reason printed.
 */

const unavailable = NatLab.unavailable()
if (unavailable != null) console.warn(`test/integration/nat.test.ts skipped: ${unavailable}`)

describe.skipIf(unavailable != null)('behind home routers (NAT)', () => {
  let lab: NatLab
  const dirs: string[] = []
  const dataDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-nat-'))
    dirs.push(dir)
    return dir
  }

  beforeAll(() => { lab = NatLab.create() })
  afterAll(async () => {
    lab?.stop()
    await Promise.all(dirs.map(async dir => { await rm(dir, { recursive: true, force: true }) }))
  })

  const statusOf = async (ns: string, dir: string): Promise<MeshNodeStatus | undefined> => {
    const result = await lab.cli(ns, ['status', '--json', '--data-dir', dir])
    return result.code === 0 ? JSON.parse(result.stdout) as MeshNodeStatus : undefined
  }
  /** Starts a node in `ns` listening on `addr` and waits for its API; its status. */
  interface Started { dir: string, status: MeshNodeStatus, kill: () => Promise<void> }
  const node = async (ns: string, addr: string, args: string[], dir?: string): Promise<Started> => {
    dir ??= await dataDir()
    const proc = lab.start(ns, ['--data-dir', dir, '--listen', `/ip4/${addr}/tcp/0`, '--api', '127.0.0.1:0', '--heartbeat-ms', '500', ...args])
    let status: MeshNodeStatus | undefined
    await expect.poll(async () => { status = await statusOf(ns, dir as string); return status != null }, { timeout: 30_000, interval: 300 }).toBe(true)
    return { dir, status: status as MeshNodeStatus, kill: async () => { proc.child.kill('SIGKILL'); await proc.exited } }
  }

  it('nodes behind NAT find themselves private, public ones public; a worker behind NAT runs a public owner\'s tasks over a direct connection and the tasks of an owner behind the other NAT through a relay; when one relay stops they go through the other, and they leave a relay that does not forward; restarted with both relays down, the worker rejoins through the plain public node', async () => {
    const relay = await node(lab.pub, lab.publicAddr, ['--no-worker', '--relay'])
    const bootstrap = relay.status.addrs.find(a => a.includes(lab.publicAddr)) as string
    expect(bootstrap).toBeDefined()
    expect(relay.status.relay).toMatchObject({ maxReservations: 64, durationMs: 600_000, dataBytes: 16 * 1024 * 1024 })
    // Two relay and bootstrap nodes and a plain public node (an owner), as a public network would have.
    const relay2 = await node(lab.pub, lab.publicAddr, ['--no-worker', '--relay', '--bootstrap', bootstrap])
    const bootstrap2 = relay2.status.addrs.find(a => a.includes(lab.publicAddr)) as string
    const owner = await node(lab.pub, lab.publicAddr, ['--no-worker', '--bootstrap', bootstrap])
    const [home1, home2] = lab.homes as [typeof lab.homes[0], typeof lab.homes[0]]
    // Behind router 1 an owner that runs nothing; behind router 2 the only worker.
    const homeOwner = await node(home1.home, home1.addr, ['--no-worker', '--bootstrap', bootstrap, '--bootstrap', bootstrap2])
    const homeWorker = await node(home2.home, home2.addr, ['--slots', '2', '--bootstrap', bootstrap, '--bootstrap', bootstrap2])

    const reachability = async (): Promise<string[]> => await Promise.all([
      statusOf(lab.pub, relay.dir), statusOf(lab.pub, owner.dir), statusOf(home1.home, homeOwner.dir), statusOf(home2.home, homeWorker.dir)
    ].map(async s => (await s)?.reachability ?? 'none'))
    await expect.poll(reachability, { timeout: 60_000, interval: 1000 }).toEqual(['public', 'public', 'private', 'private'])
    expect((await statusOf(lab.pub, relay2.dir))?.reachability).toBe('public')

    // The NAT is real: nothing outside opens a connection to a home node, at its own address or at its router's.
    const port = Number(/\/tcp\/(\d+)/.exec(homeWorker.status.addrs[0] ?? '')?.[1])
    expect(port).toBeGreaterThan(0)
    expect(await lab.canConnect(home2.home, home2.addr, port)).toBe(true)
    expect(await lab.canConnect(lab.pub, home2.addr, port)).toBe(false)
    expect(await lab.canConnect(lab.pub, home2.outside, port)).toBe(false)
    expect(await lab.canConnect(home1.home, home2.outside, port)).toBe(false)
    expect(await lab.canConnect(home2.home, lab.publicAddr, Number(/\/tcp\/(\d+)/.exec(bootstrap)?.[1]))).toBe(true)

    // What a home node learns of itself: its connections come from its router's outside address.
    const seen = await statusOf(home2.home, homeWorker.dir)
    expect(seen?.observedAddrs.some(a => a.startsWith(`/ip4/${home2.outside}/tcp/`))).toBe(true)
    const pub = await statusOf(lab.pub, owner.dir)
    expect(pub?.observedAddrs.some(a => a.startsWith(`/ip4/${lab.publicAddr}/tcp/`))).toBe(true)

    const runs = async (ns: string, dir: string, label: string): Promise<TaskView[]> => {
      const submitted = await lab.cli(ns, ['submit', '--kind', 'echo', '--input', label, '--count', '6', '--json', '--data-dir', dir])
      expect(submitted.code, submitted.stderr).toBe(0)
      const ids = (JSON.parse(submitted.stdout) as { ids: string[] }).ids
      const tasks = async (): Promise<TaskView[]> => {
        const listed = await lab.cli(ns, ['tasks', '--json', '--data-dir', dir])
        return listed.code === 0 ? (JSON.parse(listed.stdout) as TaskView[]).filter(t => ids.includes(t.id)) : []
      }
      await expect.poll(async () => (await tasks()).filter(t => t.state === 'succeeded').length, { timeout: 90_000, interval: 1000 }).toBe(6)
      return await tasks()
    }
    const peersOf = async (ns: string, dir: string): Promise<PeerSummary[]> => JSON.parse((await lab.cli(ns, ['peers', '--json', '--data-dir', dir])).stdout) as PeerSummary[]

    // The public owner cannot dial the home worker; the worker dialled it, and work flows over that connection.
    for (const task of await runs(lab.pub, owner.dir, 'behind a router')) expect(task.replicas.map(r => r.worker)).toEqual([homeWorker.status.peerId])
    expect((await peersOf(lab.pub, owner.dir)).find(p => p.peerId === homeWorker.status.peerId)?.connection).toBe('direct')

    // Two homes cannot dial each other: the home owner's tasks reach the home worker through a relay.
    // Each private node holds reservations on both relays.
    const relaysOf = async (ns: string, dir: string): Promise<string[]> => [...(await statusOf(ns, dir))?.relays ?? []].sort()
    const both = [relay.status.peerId, relay2.status.peerId].sort()
    await expect.poll(async () => await relaysOf(home1.home, homeOwner.dir), { timeout: 60_000, interval: 1000, message: 'the home owner holds reservations on both relays' }).toEqual(both)
    await expect.poll(async () => await relaysOf(home2.home, homeWorker.dir), { timeout: 60_000, interval: 1000, message: 'the home worker holds reservations on both relays' }).toEqual(both)
    expect((await statusOf(home1.home, homeOwner.dir))?.relayAddrs.every(a => both.some(r => a.includes(`/p2p/${r}/p2p-circuit`)))).toBe(true)
    for (const task of await runs(home1.home, homeOwner.dir, 'across two routers')) expect(task.replicas.map(r => r.worker)).toEqual([homeWorker.status.peerId])
    expect((await peersOf(home1.home, homeOwner.dir)).find(p => p.peerId === homeWorker.status.peerId)?.connection).toBe('relayed')
    expect((await statusOf(lab.pub, relay.dir))?.relay?.reservations).toBe(2)
    // The same in /metrics: what a relay serves, what a private node holds, and its relayed connection.
    const metric = async (ns: string, dir: string, name: string): Promise<number> => {
      const text = await lab.get(ns, `${(await statusOf(ns, dir))?.api as string}/metrics`)
      return Number(new RegExp(`^${name.replace(/[{}"]/g, c => `\\${c}`)} (\\d+)$`, 'm').exec(text)?.[1])
    }
    expect(await metric(lab.pub, relay.dir, 'mesh_relay_reservations_served')).toBe(2)
    expect(await metric(home1.home, homeOwner.dir, 'mesh_relay_reservations_held')).toBe(2)
    expect(await metric(home1.home, homeOwner.dir, 'mesh_connections{kind="relayed"}')).toBeGreaterThanOrEqual(1)
    // Bytes over relayed connections: the home owner's and home worker's tasks went through the
    // relay both ways; the public owner's only relayed connections are the dial-backs it makes
    // when a home node checks that its relay forwards (a handshake each, no tasks).
    const relayed = async (ns: string, dir: string, direction: string): Promise<number> => await metric(ns, dir, `mesh_relayed_bytes_total{direction="${direction}"}`)
    for (const [ns, dir] of [[home1.home, homeOwner.dir], [home2.home, homeWorker.dir]] as const) {
      for (const direction of ['in', 'out']) expect(await relayed(ns, dir, direction)).toBeGreaterThan(1000)
    }
    console.log(`relayed bytes out: home owner ${await relayed(home1.home, homeOwner.dir, 'out')}, home worker ${await relayed(home2.home, homeWorker.dir, 'out')}, public owner ${await relayed(lab.pub, owner.dir, 'out')}`)
    expect(await relayed(lab.pub, owner.dir, 'out')).toBeLessThan(await relayed(home1.home, homeOwner.dir, 'out'))

    // One relay stops: the private nodes keep the other (and would take any other that comes), and new tasks go through it.
    await relay.kill()
    await expect.poll(async () => await relaysOf(home1.home, homeOwner.dir), { timeout: 60_000, interval: 1000, message: 'the home owner keeps the second relay only' }).toEqual([relay2.status.peerId])
    await expect.poll(async () => await relaysOf(home2.home, homeWorker.dir), { timeout: 60_000, interval: 1000, message: 'the home worker keeps the second relay only' }).toEqual([relay2.status.peerId])
    for (const task of await runs(home1.home, homeOwner.dir, 'through the second relay')) expect(task.replicas.map(r => r.worker)).toEqual([homeWorker.status.peerId])

    // A relay that takes reservations but forwards nothing (it grants 64 bytes a relayed
    // connection: no handshake gets through). The home nodes reserve on it, hear from two peers
    // that nothing reaches them through it, leave it and keep the relay that works.
    const broken = await node(lab.pub, lab.publicAddr, ['--no-worker', '--relay', '--relay-max-bytes', '64', '--bootstrap', bootstrap2])
    expect(broken.status.relay).toMatchObject({ dataBytes: 64 })
    const brokenAddr = broken.status.addrs.find(a => a.includes(lab.publicAddr)) as string
    for (const [ns, dir] of [[lab.pub, owner.dir], [home1.home, homeOwner.dir], [home2.home, homeWorker.dir]] as const) {
      const connected = await lab.cli(ns, ['connect', brokenAddr, '--data-dir', dir])
      expect(connected.code, connected.stderr).toBe(0)
    }
    for (const [ns, dir] of [[home1.home, homeOwner.dir], [home2.home, homeWorker.dir]] as const) {
      await expect.poll(async () => (await statusOf(ns, dir))?.avoidedRelays.find(r => r.peerId === broken.status.peerId)?.reason, { timeout: 90_000, interval: 1000, message: 'a home node finds the broken relay does not forward' }).toBe('not forwarding')
      expect(await relaysOf(ns, dir)).toEqual([relay2.status.peerId])
    }
    for (const task of await runs(home1.home, homeOwner.dir, 'past a broken relay')) expect(task.replicas.map(r => r.worker)).toEqual([homeWorker.status.peerId])
    await broken.kill()

    // Both relay (and bootstrap) nodes down: the home worker restarts on its data dir and finds
    // the mesh again through the plain public node its peer store remembers.
    await relay2.kill()
    await homeWorker.kill()
    const restarted = await node(home2.home, home2.addr, ['--slots', '2', '--bootstrap', bootstrap, '--bootstrap', bootstrap2], homeWorker.dir)
    expect(restarted.status.peerId).toBe(homeWorker.status.peerId)
    await expect.poll(async () => (await peersOf(home2.home, homeWorker.dir)).find(p => p.peerId === owner.status.peerId)?.connection ?? null, { timeout: 60_000, interval: 1000 }).toBe('direct')
    for (const task of await runs(lab.pub, owner.dir, 'after a restart')) expect(task.replicas.map(r => r.worker)).toEqual([homeWorker.status.peerId])
  }, 420_000)
})
