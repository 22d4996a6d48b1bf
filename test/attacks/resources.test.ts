// Attacks on a node's resources (issue 11, "Resources and local safety"; invariant 11 of
// DESIGN.md). The attackers are bare libp2p peers speaking the wire protocol.
import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { LIMITS } from '../../src/gossip/wire/limits.js'
import { BlobStatus } from '../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../src/gossip/wire/peer-bytes.js'
import { sha256, toHex } from '../../src/tasks/spec.js'
import { BarePeer } from '../helpers/bare-peer.js'
import { TestMesh } from '../helpers/nodes.js'
import type { TaskOffer } from '../../src/gossip/wire/mesh.js'

const MS = 1_000_000

describe('attack 6: a lease holder asks for a 64 MiB blob', () => {
  const mesh = new TestMesh()
  let attacker: BarePeer | undefined
  afterEach(async () => {
    await attacker?.stop()
    attacker = undefined
    await mesh.cleanup()
  })

  // The attacker claims a task whose input is 64 MiB, is granted it, and fetches the input over
  // the blob protocol, as any worker may. Must hold: serving a chunk costs O(chunk), not a read
  // of the whole blob, so while the owner serves the 64 MiB its event loop never stalls for
  // 100 ms or more (the owner, the attacker and the test share this process: the bound covers all
  // three), and the bytes arrive whole.
  it('the owner serves a 64 MiB input with its event loop never blocked for 100 ms', async () => {
    const owner = await mesh.node({ heartbeatMs: 200, worker: false, leaseTtlMs: 600_000 })
    const evil = attacker = await BarePeer.create()
    const offers: TaskOffer[] = []
    evil.onAnnounce(tasks => { offers.push(...tasks) })
    await evil.join([owner])

    const input = randomBytes(LIMITS.blobBytes / 4 * 3).toString('base64')
    expect(input.length).toBe(LIMITS.blobBytes)
    const inputHash = toHex(sha256(new TextEncoder().encode(input)))
    const [id] = await owner.tasks.submit({ kind: 'echo', input }) as [string]
    await expect.poll(() => offers.find(o => toHex(o.taskId) === id), { timeout: 30_000 }).toBeDefined()
    const task = offers.find(o => toHex(o.taskId) === id) as TaskOffer
    expect(task).toMatchObject({ inputSize: LIMITS.blobBytes, input: new Uint8Array() })
    expect(toHex(task.inputHash)).toBe(inputHash)

    await evil.send(owner.peerId, [{ claim: { task: { owner: peerIdToBytes(owner.peerId), taskId: task.taskId, replica: 0, epoch: 0 }, worker: evil.bytes } }])
    await expect.poll(() => evil.messages('grant').length, { timeout: 30_000 }).toBe(1)

    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    let fetched: Awaited<ReturnType<BarePeer['fetchBlob']>> | undefined
    const fetching = evil.fetchBlob(owner.peerId, task.inputHash, { keep: false }).then(result => { fetched = result })
    fetching.catch(() => {})
    // Until the transfer ends, or the event loop has stalled past the bound (today's code then
    // fails in seconds, not after the minutes its transfer would take).
    await expect.poll(() => fetched != null || delay.max >= 100 * MS, { timeout: 240_000, interval: 50 }).toBe(true)
    delay.disable()
    expect(delay.max / MS).toBeLessThan(100)
    await fetching
    expect(fetched).toMatchObject({ status: BlobStatus.BLOB_OK, size: LIMITS.blobBytes, sha256: inputHash })
  }, 300_000)
})
