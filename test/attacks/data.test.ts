// Attacks on other owners' data (issue 11, "Leases and results" 5; invariant 11 of DESIGN.md).
// Input hashes are public: every announcement carries them. The attacker, a bare libp2p peer,
// announces a task of its own that names someone else's input by hash (an `echo` task), grants
// it to a worker that holds those bytes (cached from the victim's task, or the worker node's own
// task), and reads its "output". Must hold: a worker uses or serves a blob for an owner only if
// that owner gave it to it; an output goes only to its own task's owner.
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { LIMITS } from '../../src/gossip/wire/limits.js'
import { BlobStatus, ResultStatus } from '../../src/gossip/wire/mesh.js'
import { fromHex, sha256, toHex } from '../../src/tasks/spec.js'
import { BarePeer, grant, offer } from '../helpers/bare-peer.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'
import type { MeshNode } from '../../src/node/mesh-node.js'
import type { TaskView } from '../../src/tasks/owner.js'

const view = (node: MeshNode, id: string): TaskView => node.tasks.get(id) as TaskView
const workerOf = (node: MeshNode, id: string): string | undefined => node.tasks.logs(id).attempts[0]?.worker

async function transfersIn (node: MeshNode): Promise<number> {
  const { values } = await node.metrics.blobTransfers.get()
  return values.filter(v => v.labels.direction === 'in' && v.labels.result === 'ok').reduce((sum, v) => sum + v.value, 0)
}

/** Private text over the inline limit: it travels by hash, and a worker keeps a copy. */
function secret (): string {
  return `private input ${randomBytes(8).toString('hex')} ` + randomBytes(60 * 1024).toString('base64')
}

describe('attack 5: an owner names another owner\'s input by hash', () => {
  const mesh = new TestMesh()
  let attacker: BarePeer | undefined
  afterEach(async () => {
    await attacker?.stop()
    attacker = undefined
    await mesh.cleanup()
  })

  /**
   * The attacker's task: echo the input whose hash and size it names, granted to `worker` as soon
   * as it claims. Returns what the attacker got back: the result, and the bytes it could then
   * fetch from the worker by the output hash the result names (and by the victim's hash itself).
   */
  async function steal (evil: BarePeer, worker: MeshNode, hash: Uint8Array, size: number): Promise<{ status: ResultStatus, error: string, outputHash: string, stolen: Uint8Array[] }> {
    const task = offer({ inputHash: hash as Uint8Array<ArrayBuffer>, inputSize: size })
    evil.grants = [task]
    await evil.announce([task])
    const mine = (): ReturnType<BarePeer['messages']> => evil.messages('result').filter(r => toHex(r.result.signed.task.taskId) === toHex(task.taskId))
    await expect.poll(() => mine().length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0)
    const { result } = mine()[0] as { result: { signed: { status: ResultStatus, outputHash: Uint8Array }, output: Uint8Array, error: string } }
    const stolen: Uint8Array[] = []
    if (result.output.byteLength > 0) stolen.push(result.output)
    for (const wanted of [result.signed.outputHash, hash]) {
      const fetched = await evil.fetchBlob(worker.peerId, wanted)
      if (fetched.bytes != null) stolen.push(fetched.bytes)
    }
    return { status: result.signed.status, error: result.error, outputHash: toHex(result.signed.outputHash), stolen }
  }

  it('a worker does not answer the attacker\'s task from its copy of another owner\'s input', async () => {
    const victim = await mesh.node({ heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(victim)] })
    await expect.poll(async () => (await victim.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')
    const evil = attacker = await BarePeer.create()
    // The attacker listens to announcements: the victim's carries its input's hash and size.
    const heard: Array<{ hash: string, size: number }> = []
    evil.onAnnounce(offers => { for (const o of offers) heard.push({ hash: toHex(o.inputHash), size: o.inputSize }) })
    await evil.join([victim, worker])

    const text = secret()
    const input = new TextEncoder().encode(text)
    expect(input.byteLength).toBeGreaterThan(LIMITS.inlineInputBytes)
    const [id] = await victim.tasks.submit({ kind: 'echo', input: text }) as [string]
    await expect.poll(() => view(victim, id).state, { timeout: 60_000, interval: 100 }).toBe('succeeded')
    const hash = toHex(sha256(input))
    expect(heard).toContainEqual({ hash, size: input.byteLength })

    const got = await steal(evil, worker, fromHex(hash), input.byteLength)
    // The worker went to the attacker for the bytes (the owner that should have them), which has
    // none: the task fails, and nothing of the victim's input reaches the attacker.
    expect(got.stolen.map(bytes => toHex(sha256(bytes)))).toEqual([])
    expect(got.outputHash).not.toBe(hash)
    expect(got.status).not.toBe(ResultStatus.SUCCEEDED)
    expect(got.error).toMatch(/could not fetch the input/)
    expect(evil.blobRequests).toContain(hash)
    // The victim's own task and output are untouched, and its next task with the same input still
    // runs on the worker's copy: one transfer in all.
    expect(toHex(sha256(victim.tasks.output(id)))).toBe(hash)
    const [again] = await victim.tasks.submit({ kind: 'echo', input: text }) as [string]
    await expect.poll(() => view(victim, again).state, { timeout: 60_000, interval: 100 }).toBe('succeeded')
    expect(workerOf(victim, again)).toBe(worker.peerId)
    expect(await transfersIn(worker)).toBe(1)
  }, 120_000)

  it('a worker does not answer the attacker\'s task from the input of its own node\'s task', async () => {
    const worker = await mesh.node({ heartbeatMs: 200 })
    const evil = attacker = await BarePeer.create()
    await evil.join([worker])
    const text = secret()
    const input = new TextEncoder().encode(text)
    // The worker node's own user submits a task with a private input (kept as a task blob).
    await worker.tasks.submit({ kind: 'echo', input: text })
    const hash = toHex(sha256(input))

    const got = await steal(evil, worker, fromHex(hash), input.byteLength)
    expect(got.stolen.map(bytes => toHex(sha256(bytes)))).toEqual([])
    expect(got.outputHash).not.toBe(hash)
    expect(got.status).not.toBe(ResultStatus.SUCCEEDED)
    expect(got.error).toMatch(/could not fetch the input/)
    expect(evil.blobRequests).toContain(hash)
    expect((await evil.fetchBlob(worker.peerId, fromHex(hash))).status).toBe(BlobStatus.BLOB_NOT_FOUND)
  }, 120_000)
})
