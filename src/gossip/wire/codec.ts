import { PROTOCOL_VERSION, LIMITS } from './limits.js'
import {
  Heartbeat, LeaseFrame, LeaseMessage, RefusalCode, ResultStatus, TaskAnnounce, TaskCancel, Verdict, VerdictKind, VersionPeek,
  type Claim, type Grant, type Release, type Renew, type Result, type SignedResult,
  type TaskOffer, type TaskRef
} from './mesh.js'
import { fail, ValidationError } from '../validation.js'

/**
 * Decoders for every message type. Each takes untrusted bytes, enforces every limit in
 * ./limits.ts, and returns the message or throws a ValidationError (never anything else).
 */

function bytesField (value: Uint8Array, field: string, min: number, max: number): void {
  if (value.byteLength < min || value.byteLength > max) fail('bad_field', `${field} has ${value.byteLength} bytes (allowed ${min}-${max})`)
}

/** A lone surrogate: what the protobuf runtime makes of ill-formed UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function stringField (value: string, field: string, max: number): void {
  if (value.length > max) fail('bad_field', `${field} is ${value.length} characters (max ${max})`)
  if (LONE_SURROGATE.test(value)) fail('bad_field', `${field} is not well-formed UTF-8`)
}

function intField (value: number | bigint, field: string, min: number, max: number): void {
  if (value < min || value > max) fail('bad_field', `${field} is ${value} (allowed ${min}-${max})`)
}

/** 64-bit fields travel as JS numbers ([jstype = JS_NUMBER]): whole and within 2^53. */
function timeField (value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) fail('bad_field', `${field} is out of range`)
}

const peerField = (value: Uint8Array, field: string): void => { bytesField(value, field, 1, LIMITS.peerIdBytes) }

/** Size first, then a full decode; if that fails, a newer version is ignored, anything else rejected. */
function decodeWith<T extends { version: number }> (bytes: Uint8Array, max: number, decode: () => T): T {
  if (bytes.byteLength > max) fail('oversized', `${bytes.byteLength} bytes (max ${max})`)
  let message: T
  try {
    message = decode()
  } catch (err) {
    let version = 0
    try { version = VersionPeek.decode(bytes).version } catch {}
    if (version > PROTOCOL_VERSION) fail('future_version', `version ${version}`)
    fail('malformed', err instanceof Error ? err.message : String(err))
  }
  if (message.version > PROTOCOL_VERSION) fail('future_version', `version ${message.version}`)
  if (message.version !== PROTOCOL_VERSION) fail('unsupported_version', `version ${message.version}`)
  return message
}

interface Header { version: number, author: Uint8Array, timestamp: number }

function checkHeader (message: Header): void {
  peerField(message.author, 'author')
  timeField(message.timestamp, 'timestamp')
}

export function checkTaskRef (ref: TaskRef | undefined, field: string): asserts ref is TaskRef {
  if (ref == null) fail('bad_field', `${field} is missing`)
  peerField(ref.owner, `${field}.owner`)
  bytesField(ref.taskId, `${field}.taskId`, LIMITS.taskIdBytes, LIMITS.taskIdBytes)
  intField(ref.replica, `${field}.replica`, 0, LIMITS.replicaIndex)
  timeField(ref.epoch, `${field}.epoch`)
}

function checkOffer (offer: TaskOffer, field: string): void {
  bytesField(offer.taskId, `${field}.taskId`, LIMITS.taskIdBytes, LIMITS.taskIdBytes)
  if (offer.kind === '') fail('bad_field', `${field}.kind is empty`)
  stringField(offer.kind, `${field}.kind`, LIMITS.kindChars)
  intField(offer.redundancy, `${field}.redundancy`, 1, LIMITS.redundancy)
  intField(offer.timeoutMs, `${field}.timeoutMs`, 1, LIMITS.timeoutMs)
  intField(offer.maxAttempts, `${field}.maxAttempts`, 1, LIMITS.maxAttempts)
  intField(offer.priority, `${field}.priority`, -LIMITS.priority, LIMITS.priority)
  timeField(offer.deadline, `${field}.deadline`)
  bytesField(offer.input, `${field}.input`, 0, LIMITS.inlineInputBytes)
  bytesField(offer.inputHash, `${field}.inputHash`, LIMITS.hashBytes, LIMITS.hashBytes)
  intField(offer.inputSize, `${field}.inputSize`, 0, LIMITS.blobBytes)
  if (offer.input.byteLength > 0 && offer.input.byteLength !== offer.inputSize) fail('bad_field', `${field}.inputSize does not match the inline input`)
  bytesField(offer.module, `${field}.module`, 0, LIMITS.inlineModuleBytes)
  if (offer.moduleHash.byteLength !== 0) bytesField(offer.moduleHash, `${field}.moduleHash`, LIMITS.hashBytes, LIMITS.hashBytes)
  intField(offer.moduleSize, `${field}.moduleSize`, 0, LIMITS.blobBytes)
  if (offer.module.byteLength > 0 && offer.module.byteLength !== offer.moduleSize) fail('bad_field', `${field}.moduleSize does not match the inline module`)
  if (offer.moduleSize > 0 && offer.moduleHash.byteLength === 0) fail('bad_field', `${field}.moduleHash is missing`)
  for (const replica of offer.openReplicas) intField(replica, `${field}.openReplicas`, 0, LIMITS.replicaIndex)
  intField(offer.slots, `${field}.slots`, 0, LIMITS.slotsPerTask)
  timeField(offer.memoryBytes, `${field}.memoryBytes`)
}

export function decodeTaskAnnounce (bytes: Uint8Array): TaskAnnounce {
  const message = decodeWith(bytes, LIMITS.gossipMessageBytes, () => TaskAnnounce.decode(bytes, {
    limits: { tasks: LIMITS.tasksPerAnnounce, tasks$: { openReplicas: LIMITS.openReplicas }, summary: LIMITS.summaryKinds }
  }))
  checkHeader(message)
  if (message.tasks.length === 0 && message.summary.length === 0) fail('bad_field', 'tasks and summary are empty')
  message.tasks.forEach((offer, i) => { checkOffer(offer, `tasks[${i}]`) })
  const kinds = new Set<string>()
  message.summary.forEach((s, i) => {
    if (s.kind === '') fail('bad_field', `summary[${i}].kind is empty`)
    stringField(s.kind, `summary[${i}].kind`, LIMITS.kindChars)
    if (kinds.has(s.kind)) fail('bad_field', `summary[${i}].kind ${s.kind} is summarised twice`)
    kinds.add(s.kind)
    intField(s.maxPriority, `summary[${i}].maxPriority`, -LIMITS.priority, LIMITS.priority)
    intField(s.slots, `summary[${i}].slots`, 0, LIMITS.slotsPerTask)
    timeField(s.memoryBytes, `summary[${i}].memoryBytes`)
  })
  return message
}

export function decodeTaskCancel (bytes: Uint8Array): TaskCancel {
  const message = decodeWith(bytes, LIMITS.gossipMessageBytes, () => TaskCancel.decode(bytes, { limits: { taskIds: LIMITS.taskIdsPerCancel } }))
  checkHeader(message)
  if (message.taskIds.length === 0) fail('bad_field', 'taskIds is empty')
  message.taskIds.forEach((id, i) => { bytesField(id, `taskIds[${i}]`, LIMITS.taskIdBytes, LIMITS.taskIdBytes) })
  stringField(message.reason, 'reason', LIMITS.reasonChars)
  return message
}

export function decodeHeartbeat (bytes: Uint8Array): Heartbeat {
  const message = decodeWith(bytes, LIMITS.gossipMessageBytes, () => Heartbeat.decode(bytes, { limits: { capabilities: LIMITS.capabilities, addrs: LIMITS.addrsPerHeartbeat } }))
  checkHeader(message)
  message.capabilities.forEach((cap, i) => {
    if (cap.kind === '') fail('bad_field', `capabilities[${i}].kind is empty`)
    stringField(cap.kind, `capabilities[${i}].kind`, LIMITS.kindChars)
  })
  intField(message.slotsTotal, 'slotsTotal', 0, LIMITS.slotsPerNode)
  intField(message.slotsFree, 'slotsFree', 0, message.slotsTotal)
  timeField(message.memoryFree, 'memoryFree')
  intField(message.loadMilli, 'loadMilli', 0, 0xFFFF_FFFF)
  intField(message.intervalMs, 'intervalMs', LIMITS.minHeartbeatMs, LIMITS.maxHeartbeatMs)
  stringField(message.agent, 'agent', LIMITS.agentChars)
  message.addrs.forEach((addr, i) => { bytesField(addr, `addrs[${i}]`, 1, LIMITS.addrBytes) })
  return message
}

export function checkSignedResult (signed: SignedResult | undefined, field: string): asserts signed is SignedResult {
  if (signed == null) fail('bad_field', `${field} is missing`)
  checkTaskRef(signed.task, `${field}.task`)
  peerField(signed.worker, `${field}.worker`)
  if (signed.status === ResultStatus.RESULT_UNSPECIFIED) fail('bad_field', `${field}.status is missing`)
  bytesField(signed.outputHash, `${field}.outputHash`, LIMITS.hashBytes, LIMITS.hashBytes)
  bytesField(signed.signature, `${field}.signature`, 1, LIMITS.signatureBytes)
}

export function decodeVerdict (bytes: Uint8Array): Verdict {
  const message = decodeWith(bytes, LIMITS.gossipMessageBytes, () => Verdict.decode(bytes, { limits: { evidence: LIMITS.evidence } }))
  checkHeader(message)
  peerField(message.subject, 'subject')
  if (message.kind === VerdictKind.VERDICT_UNSPECIFIED) fail('bad_field', 'kind is missing')
  checkTaskRef(message.task, 'task')
  message.evidence.forEach((signed, i) => { checkSignedResult(signed, `evidence[${i}]`) })
  return message
}

/** A message whose task reference the decoder has checked (so it is present). */
type WithTask<T> = T & { task: TaskRef }

/** Who may send each point-to-point message: its author field must be the stream's remote peer. */
export type LeaseBody =
  | { type: 'claim', claim: WithTask<Claim> }
  | { type: 'grant', grant: WithTask<Grant> }
  | { type: 'renew', renew: WithTask<Renew> }
  | { type: 'release', release: WithTask<Release> }
  | { type: 'result', result: Result & { signed: WithTask<SignedResult> } }
  | { type: 'refusal', refusal: WithTask<NonNullable<LeaseMessage['refusal']>> }
  | { type: 'cancel', cancel: WithTask<NonNullable<LeaseMessage['cancel']>> }
  | { type: 'ack', ack: WithTask<NonNullable<LeaseMessage['ack']>> }
  | { type: 'pull', pull: NonNullable<LeaseMessage['pull']> }
  | { type: 'credit', credit: NonNullable<LeaseMessage['credit']> }

/**
 * The encoders for lease frames: `encodeLeaseFrame` and `encodeLeaseMessage`. protons' generated
 * encoder for a oneof copies the message and sets each other member to undefined; on an object
 * holding only its one member that adds nine properties, a new hidden class each, and made
 * encoding a lease message about 14 µs (the largest single cost of the owner's sending). A
 * message with every member present in one order keeps one shape: under 1 µs. Same bytes.
 */
function withEveryMember (m: LeaseMessage): LeaseMessage {
  return { claim: m.claim, grant: m.grant, renew: m.renew, release: m.release, result: m.result, refusal: m.refusal, cancel: m.cancel, ack: m.ack, pull: m.pull, credit: m.credit }
}

export function encodeLeaseMessage (message: LeaseMessage): Uint8Array {
  return LeaseMessage.encode(withEveryMember(message))
}

export function encodeLeaseFrame (messages: LeaseMessage[]): Uint8Array {
  return LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: messages.map(withEveryMember) })
}

/** The body of a lease message and the peer that must have sent it. */
export function checkLeaseMessage (message: LeaseMessage, field: string): { body: LeaseBody, author: Uint8Array } {
  const { claim, grant, renew, release, result, refusal, cancel, ack, pull, credit } = message
  if (pull != null) {
    peerField(pull.worker, `${field}.pull.worker`)
    intField(pull.count, `${field}.pull.count`, 0, LIMITS.pullCount)
    if (pull.kinds.length > LIMITS.pullKinds) fail('oversized', `${field}.pull.kinds has more than ${LIMITS.pullKinds} kinds`)
    pull.kinds.forEach((kind, i) => {
      if (kind === '') fail('bad_field', `${field}.pull.kinds[${i}] is empty`)
      stringField(kind, `${field}.pull.kinds[${i}]`, LIMITS.kindChars)
    })
    intField(pull.slots, `${field}.pull.slots`, 0, LIMITS.slotsPerTask)
    timeField(pull.memoryBytes, `${field}.pull.memoryBytes`)
    return { body: { type: 'pull', pull }, author: pull.worker }
  }
  if (credit != null) {
    peerField(credit.owner, `${field}.credit.owner`)
    intField(credit.held, `${field}.credit.held`, 0, LIMITS.pullCount)
    stringField(credit.reason, `${field}.credit.reason`, LIMITS.reasonChars)
    return { body: { type: 'credit', credit }, author: credit.owner }
  }
  if (claim != null) {
    checkTaskRef(claim.task, `${field}.claim.task`)
    if (claim.task.epoch !== 0) fail('bad_field', `${field}.claim.task.epoch must be 0 (a claim holds no lease yet)`)
    peerField(claim.worker, `${field}.claim.worker`)
    return { body: { type: 'claim', claim: claim as WithTask<typeof claim> }, author: claim.worker }
  }
  if (grant != null) {
    checkTaskRef(grant.task, `${field}.grant.task`)
    peerField(grant.worker, `${field}.grant.worker`)
    timeField(grant.expiresAt, `${field}.grant.expiresAt`)
    intField(grant.ttlMs, `${field}.grant.ttlMs`, 1, LIMITS.timeoutMs)
    if (grant.offer != null) checkOffer(grant.offer, `${field}.grant.offer`)
    return { body: { type: 'grant', grant: grant as WithTask<typeof grant> }, author: grant.task.owner }
  }
  if (renew != null) {
    checkTaskRef(renew.task, `${field}.renew.task`)
    peerField(renew.worker, `${field}.renew.worker`)
    intField(renew.progress, `${field}.renew.progress`, 0, LIMITS.progress)
    return { body: { type: 'renew', renew: renew as WithTask<typeof renew> }, author: renew.worker }
  }
  if (release != null) {
    checkTaskRef(release.task, `${field}.release.task`)
    peerField(release.worker, `${field}.release.worker`)
    stringField(release.reason, `${field}.release.reason`, LIMITS.reasonChars)
    return { body: { type: 'release', release: release as WithTask<typeof release> }, author: release.worker }
  }
  if (result != null) {
    checkSignedResult(result.signed, `${field}.result.signed`)
    bytesField(result.output, `${field}.result.output`, 0, LIMITS.inlineOutputBytes)
    intField(result.outputSize, `${field}.result.outputSize`, 0, LIMITS.blobBytes)
    if (result.output.byteLength > 0 && result.output.byteLength !== result.outputSize) fail('bad_field', `${field}.result.outputSize does not match the inline output`)
    stringField(result.stderrTail, `${field}.result.stderrTail`, LIMITS.stderrTailChars)
    stringField(result.error, `${field}.result.error`, LIMITS.errorChars)
    timeField(result.startedAt, `${field}.result.startedAt`)
    timeField(result.finishedAt, `${field}.result.finishedAt`)
    return { body: { type: 'result', result: result as Result & { signed: WithTask<SignedResult> } }, author: result.signed.worker }
  }
  if (refusal != null) {
    checkTaskRef(refusal.task, `${field}.refusal.task`)
    if (refusal.code === RefusalCode.REFUSAL_UNSPECIFIED) fail('bad_field', `${field}.refusal.code is missing`)
    stringField(refusal.reason, `${field}.refusal.reason`, LIMITS.reasonChars)
    return { body: { type: 'refusal', refusal: refusal as WithTask<typeof refusal> }, author: refusal.task.owner }
  }
  if (ack != null) {
    checkTaskRef(ack.task, `${field}.ack.task`)
    return { body: { type: 'ack', ack: ack as WithTask<typeof ack> }, author: ack.task.owner }
  }
  if (cancel != null) {
    checkTaskRef(cancel.task, `${field}.cancel.task`)
    stringField(cancel.reason, `${field}.cancel.reason`, LIMITS.reasonChars)
    return { body: { type: 'cancel', cancel: cancel as WithTask<typeof cancel> }, author: cancel.task.owner }
  }
  return fail('bad_field', `${field} has no body`)
}

export function decodeLeaseFrame (bytes: Uint8Array): LeaseFrame {
  const frame = decodeWith(bytes, LIMITS.frameBytes, () => LeaseFrame.decode(bytes, { limits: { messages: LIMITS.messagesPerFrame, messages$: { pull: { kinds: LIMITS.pullKinds } } } }))
  if (frame.messages.length === 0) fail('bad_field', 'messages is empty')
  return frame
}

export { ValidationError }
