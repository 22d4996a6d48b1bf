import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { PeerTable } from '../../../src/gossip/peer-table.js'
import { silentLogger } from '../../../src/logger.js'
import { builtinExecutor } from '../../../src/tasks/exec/builtins.js'
import { TaskWorker } from '../../../src/tasks/worker.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { MeshProtocol } from '../../../src/gossip/mesh-protocol.js'
import type { LeaseMessage, WorkSummary } from '../../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../../src/gossip/wire/peer-bytes.js'
import type { LeaseBody } from '../../../src/gossip/wire/codec.js'
import type { LeaseRouter } from '../../../src/tasks/lease-router.js'
import type { TaskStore } from '../../../src/tasks/store.js'

const keys = await Promise.all([0, 1, 2].map(async () => await generateKeyPair('Ed25519')))
const [selfKey, ownerA, ownerB] = keys.map((key, i) => i === 0 ? key : peerIdFromPrivateKey(key).toString()) as [Awaited<ReturnType<typeof generateKeyPair>>, string, string]

interface UnderTest {
  worker: TaskWorker
  /** Each pull sent: to whom, and for how many tasks. */
  pulls: Array<{ owner: string, count: number }>
  clock: ManualClock
  /** The owner answers a pull: it holds `held` requests, and `unclaimed` open replicas nobody asked for. */
  credit: (owner: string, held: number, unclaimed?: number) => void
}

function workerUnderTest (slots: number): UnderTest & { peerTable: PeerTable } {
  const clock = new ManualClock()
  const pulls: Array<{ owner: string, count: number }> = []
  let deliver: (body: LeaseBody, from: string) => void = () => {}
  const router = {
    on: (handler: typeof deliver) => { deliver = handler; return () => {} },
    send: async (peer: string, messages: LeaseMessage[]) => {
      for (const m of messages) if (m.pull != null) pulls.push({ owner: peer, count: m.pull.count })
    }
  } as unknown as LeaseRouter
  const peerTable = new PeerTable()
  // Both owners are connected: a pull left unanswered by a connected owner is its silence.
  peerTable.setConnected(ownerA, true)
  peerTable.setConnected(ownerB, true)
  const protocol = { on: () => () => {}, peerTable } as unknown as MeshProtocol
  const store = { pendingResults: () => [], pendingResultOwners: () => [], putPendingResult: () => {}, deletePendingResult: () => {} } as unknown as TaskStore
  const worker = new TaskWorker({ selfId: peerIdFromPrivateKey(selfKey), privateKey: selfKey, protocol, router, executor: builtinExecutor(clock), store, slots, clock, logger: silentLogger() })
  worker.start()
  const credit = (owner: string, held: number, unclaimed = 0): void => {
    deliver({ type: 'credit', credit: { owner: peerIdToBytes(owner), held, reason: '', unclaimed } } as LeaseBody, owner)
  }
  return { worker, pulls, clock, credit, peerTable }
}

const summary = (open: number, kind = 'echo'): WorkSummary[] => [{ kind, open, maxPriority: 0, slots: 1, memoryBytes: 0, deterministic: true }]

describe('TaskWorker pulling', () => {
  it('asks an owner that answers for as many tasks as it has free slots, never more than the owner has open, and only for kinds it runs', async () => {
    const { worker, pulls, credit } = workerUnderTest(3)
    // A first pull to an owner that never answered is a probe: one task.
    worker.heard(ownerA, summary(10), [])
    expect(pulls).toEqual([{ owner: ownerA, count: 1 }])
    credit(ownerA, 1, 9)
    // Answered: proven. The rest of the free slots are asked for (1 stands, 2 more).
    expect(pulls).toEqual([{ owner: ownerA, count: 1 }, { owner: ownerA, count: 2 }])
    credit(ownerA, 3, 6)
    expect(worker.freeSlots()).toBe(0)
    // A kind it does not run is never asked for.
    worker.heard(ownerB, summary(50, 'not-a-builtin'), [])
    expect(pulls.filter(p => p.owner === ownerB)).toEqual([])
  })

  it('asks for no more than the open work nobody asked for, but keeps one request standing, holding no slot', async () => {
    const { worker, pulls, credit } = workerUnderTest(8)
    worker.heard(ownerA, summary(1), [])
    credit(ownerA, 0, 0)
    // Nothing open and nothing asked: one request stands, so a new task is granted at once.
    expect(pulls.at(-1)).toEqual({ owner: ownerA, count: 1 })
    credit(ownerA, 1, 0)
    const before = pulls.length
    worker.heard(ownerA, summary(0), [])
    expect(pulls.length).toBe(before)
    // That standing request holds no slot: another owner's work can still have all eight.
    expect(worker.freeSlots()).toBe(8)
  })

  it('shares its free slots across owners, the least served first: one owner\'s flood cannot take them all', async () => {
    const { worker, pulls, credit, clock } = workerUnderTest(4)
    worker.heard(ownerA, summary(1), [])
    worker.heard(ownerB, summary(1), [])
    credit(ownerA, 1, 0)
    credit(ownerB, 1, 0)
    await clock.advance(2100)
    worker.heard(ownerA, summary(1000), [])
    worker.heard(ownerB, summary(5), [])
    const asked = (owner: string): number => pulls.filter(p => p.owner === owner).reduce((n, p) => n + p.count, 0)
    // One request each stands from the first round, holding no slot (each owner's Credit said
    // nothing open there was for this worker); the 4 free slots then go 2 and 2, not 4 to the flood.
    expect(asked(ownerA)).toBe(1 + 2)
    expect(asked(ownerB)).toBe(1 + 2)
    expect(worker.freeSlots()).toBe(0)
  })

  it('a pull an owner leaves unanswered is given up after the claim timeout, and that owner is not asked again for a while', async () => {
    const { worker, pulls, clock } = workerUnderTest(2)
    worker.heard(ownerA, summary(10), [])
    expect(pulls).toEqual([{ owner: ownerA, count: 1 }])
    // A probe holds no slot.
    expect(worker.freeSlots()).toBe(2)
    await clock.advance(1600)
    worker.heard(ownerA, summary(10), [])
    await clock.advance(100)
    expect(pulls).toEqual([{ owner: ownerA, count: 1 }])
    await clock.advance(30_000)
    worker.heard(ownerA, summary(10), [])
    expect(pulls).toEqual([{ owner: ownerA, count: 1 }, { owner: ownerA, count: 1 }])
  })

  it('an owner that restarts is not taken for one that ignores: no silence while it has no connection, and asked again when it is back', async () => {
    const { worker, pulls, clock, credit, peerTable } = workerUnderTest(2)
    worker.heard(ownerA, summary(10), [])
    credit(ownerA, 1, 9)
    const before = pulls.length
    // It goes away with a pull unanswered.
    peerTable.setConnected(ownerA, false)
    await clock.advance(3500)
    worker.peerGone(ownerA)
    // Back: a proven owner is asked again at once, whatever it left unanswered.
    peerTable.setConnected(ownerA, true)
    worker.peerConnected(ownerA)
    worker.heard(ownerA, summary(10), [])
    expect(pulls.length).toBeGreaterThan(before)
  })
})
