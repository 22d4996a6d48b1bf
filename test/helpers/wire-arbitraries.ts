import fc from 'fast-check'
import { LIMITS, PROTOCOL_VERSION } from '../../src/gossip/wire/limits.js'
import { RefusalCode, ResultStatus, VerdictKind, type Heartbeat, type LeaseMessage, type SignedResult, type TaskAnnounce, type TaskCancel, type TaskOffer, type TaskRef, type Verdict } from '../../src/gossip/wire/mesh.js'

/** fast-check arbitraries for valid wire messages: every field inside its limit. */

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map(b => new Uint8Array(b))
const exact = (n: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> => bytes(n, n)
const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const text = (min: number, max: number): fc.Arbitrary<string> => fc.string({ minLength: min, maxLength: max })
const peer = bytes(1, LIMITS.peerIdBytes)

export const taskRef: fc.Arbitrary<TaskRef> = fc.record({
  owner: peer,
  taskId: exact(LIMITS.taskIdBytes),
  replica: fc.integer({ min: 0, max: LIMITS.replicaIndex }),
  epoch: time
})

export const taskOffer: fc.Arbitrary<TaskOffer> = bytes(0, 256).chain(input => fc.record({
  taskId: exact(LIMITS.taskIdBytes),
  kind: text(1, LIMITS.kindChars),
  redundancy: fc.integer({ min: 1, max: LIMITS.redundancy }),
  timeoutMs: fc.integer({ min: 1, max: LIMITS.timeoutMs }),
  maxAttempts: fc.integer({ min: 1, max: LIMITS.maxAttempts }),
  priority: fc.integer({ min: -LIMITS.priority, max: LIMITS.priority }),
  deadline: time,
  input: fc.constant(input),
  inputHash: exact(LIMITS.hashBytes),
  inputSize: input.byteLength > 0 ? fc.constant(input.byteLength) : fc.integer({ min: 0, max: LIMITS.blobBytes }),
  openReplicas: fc.array(fc.integer({ min: 0, max: LIMITS.replicaIndex }), { maxLength: LIMITS.openReplicas }),
  slots: fc.integer({ min: 0, max: 1024 }),
  memoryBytes: time,
  deterministic: fc.boolean(),
  module: fc.constant(new Uint8Array()),
  moduleHash: fc.constant(new Uint8Array()),
  moduleSize: fc.constant(0)
}))

const header = { version: fc.constant(PROTOCOL_VERSION), author: peer, timestamp: time }

const workSummary = fc.record({
  kind: text(1, LIMITS.kindChars),
  open: fc.nat(),
  maxPriority: fc.integer({ min: -LIMITS.priority, max: LIMITS.priority }),
  slots: fc.integer({ min: 0, max: LIMITS.slotsPerTask }),
  memoryBytes: fc.nat(),
  deterministic: fc.boolean()
})

export const taskAnnounce: fc.Arbitrary<TaskAnnounce> = fc.record({
  ...header,
  tasks: fc.array(taskOffer, { minLength: 1, maxLength: 4 }),
  summary: fc.uniqueArray(workSummary, { maxLength: 4, selector: s => s.kind })
})

export const taskCancel: fc.Arbitrary<TaskCancel> = fc.record({
  ...header,
  taskIds: fc.array(exact(LIMITS.taskIdBytes), { minLength: 1, maxLength: 8 }),
  reason: text(0, LIMITS.reasonChars)
})

export const heartbeat: fc.Arbitrary<Heartbeat> = fc.integer({ min: 0, max: 65_536 }).chain(total => fc.record({
  ...header,
  capabilities: fc.array(fc.record({ kind: text(1, LIMITS.kindChars), deterministic: fc.boolean() }), { maxLength: 8 }),
  slotsFree: fc.integer({ min: 0, max: total }),
  slotsTotal: fc.constant(total),
  memoryFree: time,
  loadMilli: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  intervalMs: fc.integer({ min: LIMITS.minHeartbeatMs, max: LIMITS.maxHeartbeatMs }),
  agent: text(0, LIMITS.agentChars),
  addrs: fc.array(bytes(1, LIMITS.addrBytes), { maxLength: LIMITS.addrsPerHeartbeat })
}))

const status = fc.constantFrom(ResultStatus.SUCCEEDED, ResultStatus.FAILED, ResultStatus.FAILED_PERMANENT)

export const signedResult: fc.Arbitrary<SignedResult> = fc.record({
  task: taskRef,
  worker: peer,
  status,
  outputHash: exact(LIMITS.hashBytes),
  signature: bytes(1, LIMITS.signatureBytes)
})

export const verdict: fc.Arbitrary<Verdict> = fc.record({
  ...header,
  subject: peer,
  kind: fc.constantFrom(VerdictKind.VERIFIED_SUCCESS, VerdictKind.MISREPORT),
  task: taskRef,
  evidence: fc.array(signedResult, { maxLength: 3 })
})

export const leaseMessage: fc.Arbitrary<LeaseMessage> = fc.oneof(
  fc.record({ task: taskRef.map(t => ({ ...t, epoch: 0 })), worker: peer }).map(claim => ({ claim })),
  fc.record({ task: taskRef, code: fc.constantFrom(RefusalCode.STALE_EPOCH, RefusalCode.NOT_LEASED, RefusalCode.UNKNOWN_TASK, RefusalCode.NOT_ELIGIBLE, RefusalCode.TASK_CLOSED), reason: text(0, LIMITS.reasonChars) }).map(refusal => ({ refusal })),
  fc.record({ task: taskRef, reason: text(0, LIMITS.reasonChars) }).map(cancel => ({ cancel })),
  fc.record({ task: taskRef, worker: peer, expiresAt: time, ttlMs: fc.integer({ min: 1, max: LIMITS.timeoutMs }), offer: fc.option(taskOffer, { nil: undefined }) })
    .map(({ offer, ...grant }) => ({ grant: offer == null ? grant : { ...grant, offer } })),
  fc.record({ task: taskRef }).map(ack => ({ ack })),
  fc.record({ worker: peer, count: fc.integer({ min: 0, max: LIMITS.pullCount }), kinds: fc.array(text(1, LIMITS.kindChars), { maxLength: 4 }), slots: fc.integer({ min: 0, max: LIMITS.slotsPerTask }), memoryBytes: fc.nat() }).map(pull => ({ pull })),
  fc.record({ owner: peer, held: fc.integer({ min: 0, max: LIMITS.pullCount }), reason: text(0, LIMITS.reasonChars), unclaimed: fc.integer({ min: 0, max: LIMITS.pullCount }) }).map(credit => ({ credit })),
  fc.record({ task: taskRef, worker: peer, progress: fc.integer({ min: 0, max: 100 }) }).map(renew => ({ renew })),
  fc.record({ task: taskRef, worker: peer, reason: text(0, LIMITS.reasonChars) }).map(release => ({ release })),
  fc.tuple(signedResult, bytes(0, 128)).chain(([signed, output]) => fc.record({
    signed: fc.constant(signed),
    output: fc.constant(output),
    outputSize: output.byteLength > 0 ? fc.constant(output.byteLength) : fc.integer({ min: 0, max: LIMITS.blobBytes }),
    stderrTail: text(0, 200),
    exitCode: fc.integer({ min: -255, max: 255 }),
    startedAt: time,
    finishedAt: time,
    error: text(0, 100)
  })).map(result => ({ result }))
)
