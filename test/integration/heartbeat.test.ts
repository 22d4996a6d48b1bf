import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode, PeerSummary } from '../../src/node/mesh-node.js'

// Short enough for a quick test, long enough that a loaded 2-core machine does not miss 3 in a row.
const HEARTBEAT_MS = 500

describe('heartbeats and the peer table', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  async function stateOf (node: MeshNode, peerId: string): Promise<string | undefined> {
    return (await node.peers()).find(p => p.peerId === peerId)?.state
  }

  it('a node killed with SIGKILL goes suspect then gone on the others, and is alive again after a restart', async () => {
    const a = await mesh.node({ heartbeatMs: HEARTBEAT_MS, api: '127.0.0.1:0', slots: 3 })
    const childDir = await mesh.tempDir()
    const args = ['--data-dir', childDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--bootstrap', addrOf(a),
      '--heartbeat-ms', String(HEARTBEAT_MS), '--slots', '2', '--log-level', 'warn']
    const child = procs.start(args)
    await waitForApiFile(childDir)
    const childId = JSON.parse((await runBin(['id', '--json', '--data-dir', childDir])).stdout).peerId as string
    await expect.poll(async () => await stateOf(a, childId), { timeout: 20_000 }).toBe('alive')

    // The peer table is visible through the CLI: state, capabilities, slots and heartbeat age.
    const listed = JSON.parse((await runBin(['peers', '--json', '--data-dir', a.config.dataDir])).stdout) as PeerSummary[]
    const entry = listed.find(p => p.peerId === childId)
    expect(entry).toMatchObject({ connected: true, state: 'alive', slots: { free: 2, total: 2 } })
    expect(entry?.capabilities).toEqual(expect.arrayContaining([{ kind: 'echo', deterministic: true }, { kind: 'sha256', deterministic: true }, { kind: 'sleep', deterministic: true }]))
    expect(entry?.lastSeenMs).toBeGreaterThanOrEqual(0)
    expect(entry?.lastSeenMs).toBeLessThan(60_000)
    const text = (await runBin(['peers', '--data-dir', a.config.dataDir])).stdout
    expect(text).toMatch(new RegExp(`${childId}\\s+connected \\(direct\\)\\s+(alive|suspect)\\s+slots 2/2\\s+heartbeat [0-9.]+s ago`))

    // And the child sees a's heartbeats the same way.
    await expect.poll(async () => JSON.parse((await runBin(['peers', '--json', '--data-dir', childDir])).stdout)
      .find((p: PeerSummary) => p.peerId === a.peerId)?.slots, { timeout: 20_000 }).toEqual({ free: 3, total: 3 })

    await expect.poll(async () => await stateOf(a, childId), { timeout: 20_000 }).toBe('alive')
    const seen: string[] = ['alive']
    const watch = setInterval(() => {
      void stateOf(a, childId).then(state => { if (state != null && seen.at(-1) !== state) seen.push(state) })
    }, 50)
    try {
      // Only what happens from the kill on counts.
      await expect.poll(async () => await stateOf(a, childId), { timeout: 20_000 }).toBe('alive')
      seen.splice(0, seen.length, 'alive')
      child.child.kill('SIGKILL')
      await child.exited
      await expect.poll(() => seen.at(-1), { timeout: 30_000 }).toBe('gone')
      expect(seen).toEqual(['alive', 'suspect', 'gone'])

      const again = procs.start(args)
      await waitForApiFile(childDir)
      await expect.poll(() => seen.at(-1), { timeout: 30_000 }).toBe('alive')
      expect(seen).toEqual(['alive', 'suspect', 'gone', 'alive'])
      again.child.kill('SIGTERM')
      expect(await again.exited).toBe(0)
    } finally {
      clearInterval(watch)
    }
  })

  it('widens its interval with the mesh size, by the rule in docs/PROTOCOL.md', async () => {
    const a = await mesh.node({ heartbeatMs: 200, heartbeatMaxPerSecond: 5 })
    const others = await Promise.all([0, 1, 2].map(async () => await mesh.node({ heartbeatMs: 200, heartbeatMaxPerSecond: 5, bootstrap: [addrOf(a)] })))
    expect(a.protocol.currentHeartbeatMs()).toBe(200)
    // 3 live peers at 5 heartbeats/s received at most: 3 / 5 s = 600 ms.
    await expect.poll(() => a.protocol.peerTable.liveCount(), { timeout: 20_000 }).toBe(others.length)
    expect(a.protocol.currentHeartbeatMs()).toBe(600)
  })
})
