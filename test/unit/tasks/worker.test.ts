import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { PeerTable } from '../../../src/gossip/peer-table.js'
import { silentLogger } from '../../../src/logger.js'
import { builtinExecutor } from '../../../src/tasks/exec/builtins.js'
import { rendezvousRank, TaskWorker } from '../../../src/tasks/worker.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { MeshProtocol } from '../../../src/gossip/mesh-protocol.js'
import { RefusalCode, type LeaseMessage, type TaskOffer } from '../../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../../src/gossip/wire/peer-bytes.js'
import type { LeaseBody } from '../../../src/gossip/wire/codec.js'
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

interface UnderTest {
  worker: TaskWorker
  claims: string[]
  /** The first byte of each claimed task's id, in order. */
  claimedTasks: number[]
  clock: ManualClock
  /** The owner answers with a refusal (of task `n`, or of one the worker never heard of): it is proven. */
  answers: (owner: string, n?: number) => void
}

function workerUnderTest (slots: number, initialWindow = slots): UnderTest {
  const clock = new ManualClock()
  const claims: string[] = []
  const claimedTasks: number[] = []
  let deliver: (body: LeaseBody, from: string) => void = () => {}
  const router = {
    on: (handler: typeof deliver) => { deliver = handler; return () => {} },
    send: async (peer: string, messages: LeaseMessage[]) => {
      for (const m of messages) {
        if (m.claim == null) continue
        claims.push(peer)
        claimedTasks.push(m.claim.task?.taskId[0] ?? -1)
      }
    }
  } as unknown as LeaseRouter
  const protocol = { on: () => () => {}, peerTable: new PeerTable() } as unknown as MeshProtocol
  const store = { pendingResults: () => [], pendingResultOwners: () => [], putPendingResult: () => {}, deletePendingResult: () => {} } as unknown as TaskStore
  const worker = new TaskWorker({ selfId: peerIdFromPrivateKey(selfKey), privateKey: selfKey, protocol, router, executor: builtinExecutor(clock), store, slots, initialWindow, clock, logger: silentLogger() })
  worker.start()
  const answers = (owner: string, n = 255): void => {
    const task = { owner: peerIdToBytes(owner), taskId: new Uint8Array(32).fill(n), replica: 0, epoch: 0 }
    deliver({ type: 'refusal', refusal: { task, code: RefusalCode.UNKNOWN_TASK, reason: 'no such task' } } as LeaseBody, owner)
  }
  return { worker, claims, claimedTasks, clock, answers }
}

describe('TaskWorker claiming', () => {
  it('fairness orders owners, priority orders one owner\'s tasks: a flood of top-priority tasks cannot starve another owner', async () => {
    const { worker, claims, claimedTasks, answers, clock } = workerUnderTest(2)
    answers(ownerA)
    answers(ownerB)
    worker.offer([offer(1, 5), ...Array.from({ length: 50 }, (_, i) => offer(i + 2, 1000))], ownerA)
    // Both slots went to A's flood, which came first, its top priority first.
    expect(claims).toEqual([ownerA, ownerA])
    expect(claimedTasks).toEqual([2, 3])
    // A refuses one, which frees its slot: B, now the least served, gets it despite priority 0.
    worker.offer([offer(200, 0)], ownerB)
    answers(ownerA, 2)
    await clock.advance(60)
    expect(claims).toEqual([ownerA, ownerA, ownerB])
  })

  it('claims from an owner that answers only as many tasks as it has free slots, and never what it cannot run', async () => {
    const { worker, claims, answers } = workerUnderTest(3)
    answers(ownerA)
    worker.offer([{ ...offer(1, 0), kind: 'not-a-builtin' }], ownerA)
    worker.offer(Array.from({ length: 10 }, (_, i) => offer(i + 10, 0)), ownerA)
    await Promise.resolve()
    expect(claims).toHaveLength(3)
    expect(worker.freeSlots()).toBe(0)
  })

  it('a claim to an owner that never answered is a probe: it holds no slot, is given up after 1.5 s, and the owner is not claimed from for 30 s', async () => {
    const { worker, claims, clock } = workerUnderTest(2, 1)
    worker.offer(Array.from({ length: 10 }, (_, i) => offer(i + 50, 1000)), ownerA)
    expect(claims).toEqual([ownerA])
    expect(worker.freeSlots()).toBe(2)
    await clock.advance(1600)
    expect(claims).toEqual([ownerA])
    await clock.advance(25_000)
    worker.offer([offer(99, 0)], ownerA)
    expect(claims).toEqual([ownerA])
    await clock.advance(5_000)
    expect(claims).toEqual([ownerA, ownerA])
  })

  it('slow start: from an owner it has no grants from, one claim at a time', async () => {
    const { worker, claims, clock, answers } = workerUnderTest(4, 1)
    answers(ownerA)
    answers(ownerB)
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
