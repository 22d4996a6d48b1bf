import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { PeerTable } from '../../../src/gossip/peer-table.js'
import { silentLogger } from '../../../src/logger.js'
import { builtinExecutor } from '../../../src/tasks/exec/builtins.js'
import { rendezvousRank, TaskWorker } from '../../../src/tasks/worker.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { MeshProtocol } from '../../../src/gossip/mesh-protocol.js'
import type { LeaseMessage, TaskOffer } from '../../../src/gossip/wire/mesh.js'
import type { LeaseRouter } from '../../../src/tasks/lease-router.js'
import type { TaskStore } from '../../../src/tasks/store.js'

const keys = await Promise.all([0, 1, 2].map(async () => await generateKeyPair('Ed25519')))
const [selfKey, ownerA, ownerB] = keys.map((key, i) => i === 0 ? key : peerIdFromPrivateKey(key).toString()) as [Awaited<ReturnType<typeof generateKeyPair>>, string, string]

function offer (n: number, priority: number): TaskOffer {
  return {
    taskId: new Uint8Array(32).fill(n), kind: 'echo', redundancy: 1, timeoutMs: 1000, maxAttempts: 1, priority,
    deadline: Number.MAX_SAFE_INTEGER, input: new Uint8Array(), inputHash: new Uint8Array(32), inputSize: 0,
    openReplicas: [0], slots: 1, memoryBytes: 0, deterministic: true, module: new Uint8Array(), moduleHash: new Uint8Array(), moduleSize: 0
  }
}

function workerUnderTest (slots: number, initialWindow = slots): { worker: TaskWorker, claims: string[], clock: ManualClock } {
  const clock = new ManualClock()
  const claims: string[] = []
  const router = {
    on: () => () => {},
    send: async (peer: string, messages: LeaseMessage[]) => { for (const m of messages) if (m.claim != null) claims.push(peer) }
  } as unknown as LeaseRouter
  const protocol = { on: () => () => {}, peerTable: new PeerTable() } as unknown as MeshProtocol
  const store = { pendingResults: () => [], pendingResultOwners: () => [], putPendingResult: () => {}, deletePendingResult: () => {} } as unknown as TaskStore
  const worker = new TaskWorker({ selfId: peerIdFromPrivateKey(selfKey), privateKey: selfKey, protocol, router, executor: builtinExecutor(clock), store, slots, initialWindow, clock, logger: silentLogger() })
  worker.start()
  return { worker, claims, clock }
}

describe('TaskWorker claiming', () => {
  it('serves the least-served owner first, so a flood of top-priority tasks cannot starve another owner', async () => {
    const { worker, claims, clock } = workerUnderTest(2)
    worker.offer(Array.from({ length: 50 }, (_, i) => offer(i, 1000)), ownerA)
    worker.offer([offer(200, 0)], ownerB)
    // Both slots went to A's flood, which came first.
    expect(claims).toEqual([ownerA, ownerA])
    // Those claims go unanswered and time out; with two slots free again, A gets one (it has
    // the higher priority) and B, now the least served, the other, despite its priority 0.
    await clock.advance(3100)
    expect(claims.slice(2).sort()).toEqual([ownerA, ownerB].sort())
  })

  it('claims only as many tasks as it has free slots, and never what it cannot run', async () => {
    const { worker, claims } = workerUnderTest(3)
    worker.offer([{ ...offer(1, 0), kind: 'not-a-builtin' }], ownerA)
    worker.offer(Array.from({ length: 10 }, (_, i) => offer(i + 10, 0)), ownerA)
    await Promise.resolve()
    expect(claims).toHaveLength(3)
    expect(worker.freeSlots()).toBe(0)
  })

  it('slow start: from an owner it has no grants from, one claim at a time', async () => {
    const { worker, claims, clock } = workerUnderTest(4, 1)
    worker.offer(Array.from({ length: 10 }, (_, i) => offer(i + 30, 0)), ownerA)
    worker.offer([offer(90, 0)], ownerB)
    await Promise.resolve()
    // One claim per owner while neither has granted anything: the window is 1 each.
    expect(claims.sort()).toEqual([ownerA, ownerB].sort())
    expect(worker.freeSlots()).toBe(2)
    await clock.advance(10)
  })

  it('ranks itself by rendezvous hash: exactly one of a set of peers is rank 0 for a task', () => {
    const peers = ['p1', 'p2', 'p3', 'p4', 'p5']
    for (let n = 0; n < 20; n++) {
      const taskId = new Uint8Array(32).fill(n)
      const ranks = peers.map(p => rendezvousRank(taskId, p, peers))
      expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4])
    }
  })
})
