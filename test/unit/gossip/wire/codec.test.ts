import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkLeaseMessage, decodeHeartbeat, decodeLeaseFrame, decodeTaskAnnounce, decodeTaskCancel, decodeVerdict, encodeLeaseFrame, encodeLeaseMessage } from '../../../../src/gossip/wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from '../../../../src/gossip/wire/limits.js'
import { Heartbeat, LeaseFrame, LeaseMessage, TaskAnnounce, TaskCancel, Verdict } from '../../../../src/gossip/wire/mesh.js'
import { ValidationError } from '../../../../src/gossip/validation.js'
import * as arb from '../../../helpers/wire-arbitraries.js'

/** Decode a whole lease frame the way the channel does: frame, then each message. */
function decodeLease (bytes: Uint8Array): LeaseFrame {
  const frame = decodeLeaseFrame(bytes)
  frame.messages.forEach((m, i) => checkLeaseMessage(m, `messages[${i}]`))
  return frame
}

const CODECS = [
  { name: 'TaskAnnounce', decode: decodeTaskAnnounce, encode: TaskAnnounce.encode, valid: arb.taskAnnounce },
  { name: 'TaskCancel', decode: decodeTaskCancel, encode: TaskCancel.encode, valid: arb.taskCancel },
  { name: 'Heartbeat', decode: decodeHeartbeat, encode: Heartbeat.encode, valid: arb.heartbeat },
  { name: 'Verdict', decode: decodeVerdict, encode: Verdict.encode, valid: arb.verdict },
  {
    name: 'LeaseFrame',
    decode: decodeLease,
    encode: LeaseFrame.encode,
    valid: fc.array(arb.leaseMessage, { minLength: 1, maxLength: 5 }).map(messages => ({ version: PROTOCOL_VERSION, messages }))
  }
] as const

/** Decodes, and says how: accepted (with the value) or rejected with a ValidationError. Anything else fails the test. */
function outcome (decode: (b: Uint8Array) => unknown, bytes: Uint8Array): { accepted: true, value: unknown } | { accepted: false, error: ValidationError } {
  try {
    return { accepted: true, value: decode(bytes) }
  } catch (err) {
    if (!(err instanceof ValidationError)) throw new Error(`decoder threw a non-ValidationError: ${String(err)}`)
    return { accepted: false, error: err }
  }
}

describe.each(CODECS)('$name decoder', ({ decode, encode, valid }) => {
  const enc = encode as (m: unknown) => Uint8Array

  it('round-trips every valid message', () => {
    fc.assert(fc.property(valid, message => {
      expect(decode(enc(message))).toEqual(message)
    }), { numRuns: 300 })
  })

  it('never throws anything but a ValidationError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), bytes => {
      outcome(decode, bytes)
    }), { numRuns: 2000 })
  })

  it('on mutated valid messages: never throws out, and what it accepts re-encodes to a message it accepts again', () => {
    const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')), { minLength: 1, maxLength: 6 }))
    fc.assert(fc.property(mutated, ([message, edits]) => {
      const bytes = Array.from(enc(message))
      for (const [at, value, op] of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length
        if (op === 'flip') bytes[i] = value
        else if (op === 'insert') bytes.splice(i, 0, value)
        else bytes.splice(i, 1)
      }
      const result = outcome(decode, Uint8Array.from(bytes))
      // Whatever passes is within every limit: encoding it again gives bytes the decoder accepts unchanged.
      if (result.accepted) expect(decode(enc(result.value))).toEqual(result.value)
    }), { numRuns: 2000 })
  })
})

describe('decoder limits', () => {
  const sample = <T>(a: fc.Arbitrary<T>): T => fc.sample(a, { numRuns: 1, seed: 42 })[0] as T
  const announce = sample(arb.taskAnnounce)
  const offer = announce.tasks[0]!

  it.each([
    ['version 0', { ...announce, version: 0 }, 'unsupported_version', 'reject'],
    ['a newer version', { ...announce, version: PROTOCOL_VERSION + 1 }, 'future_version', 'ignore'],
    ['an empty author', { ...announce, author: new Uint8Array(0) }, 'bad_field', 'reject'],
    ['an author over the limit', { ...announce, author: new Uint8Array(LIMITS.peerIdBytes + 1) }, 'bad_field', 'reject'],
    ['no tasks and no summary', { ...announce, tasks: [], summary: [] }, 'bad_field', 'reject'],
    ['too many summarised kinds', { ...announce, summary: Array.from({ length: LIMITS.summaryKinds + 1 }, (_, i) => ({ kind: `k${i}`, open: 1, maxPriority: 0, slots: 1, memoryBytes: 0, deterministic: true })) }, 'malformed', 'reject'],
    ['a kind summarised twice', { ...announce, summary: [0, 1].map(() => ({ kind: 'k', open: 1, maxPriority: 0, slots: 1, memoryBytes: 0, deterministic: true })) }, 'bad_field', 'reject'],
    ['a summary priority over the limit', { ...announce, summary: [{ kind: 'k', open: 1, maxPriority: LIMITS.priority + 1, slots: 1, memoryBytes: 0, deterministic: true }] }, 'bad_field', 'reject'],
    ['too many tasks', { ...announce, tasks: new Array(LIMITS.tasksPerAnnounce + 1).fill(offer) }, 'malformed', 'reject'],
    ['a short task id', { ...announce, tasks: [{ ...offer, taskId: new Uint8Array(31) }] }, 'bad_field', 'reject'],
    ['a kind over the limit', { ...announce, tasks: [{ ...offer, kind: 'k'.repeat(LIMITS.kindChars + 1) }] }, 'bad_field', 'reject'],
    ['an empty kind', { ...announce, tasks: [{ ...offer, kind: '' }] }, 'bad_field', 'reject'],
    ['inline input over the limit', { ...announce, tasks: [{ ...offer, input: new Uint8Array(LIMITS.inlineInputBytes + 1), inputSize: LIMITS.inlineInputBytes + 1 }] }, 'bad_field', 'reject'],
    ['redundancy 0', { ...announce, tasks: [{ ...offer, redundancy: 0 }] }, 'bad_field', 'reject'],
    ['an input by hash over the blob limit', { ...announce, tasks: [{ ...offer, input: new Uint8Array(), inputSize: LIMITS.blobBytes + 1 }] }, 'bad_field', 'reject'],
    ['an inline module over the limit', { ...announce, tasks: [{ ...offer, module: new Uint8Array(LIMITS.inlineModuleBytes + 1), moduleHash: new Uint8Array(32), moduleSize: LIMITS.inlineModuleBytes + 1 }] }, 'bad_field', 'reject'],
    ['a module size without a hash', { ...announce, tasks: [{ ...offer, moduleSize: 1000 }] }, 'bad_field', 'reject'],
    ['a module whose size is not its length', { ...announce, tasks: [{ ...offer, module: new Uint8Array(10), moduleHash: new Uint8Array(32), moduleSize: 11 }] }, 'bad_field', 'reject'],
    ['a module hash of the wrong length', { ...announce, tasks: [{ ...offer, moduleHash: new Uint8Array(31), moduleSize: 10 }] }, 'bad_field', 'reject']
  ])('refuses an announce with %s', (_name, message, code, action) => {
    const result = outcome(decodeTaskAnnounce, TaskAnnounce.encode(message as TaskAnnounce))
    expect(result.accepted).toBe(false)
    if (!result.accepted) {
      expect(result.error.code).toBe(code)
      expect(result.error.action).toBe(action)
    }
  })

  it('round-trips 64-bit values between 2^31 and 2^32 (protons-runtime bigint writer encodes them as zeros)', () => {
    const beat = sample(arb.heartbeat)
    for (const memoryFree of [2 ** 31, 3_000_000_000, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      expect(decodeHeartbeat(Heartbeat.encode({ ...beat, memoryFree })).memoryFree).toBe(memoryFree)
    }
  })

  it('refuses a 64-bit field past 2^53 (a JS number cannot hold it exactly)', () => {
    // A second timestamp field (protobuf: the last one wins) holding 2^60.
    const bytes = Uint8Array.from([...TaskAnnounce.encode(announce), 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])
    const result = outcome(decodeTaskAnnounce, bytes)
    expect(result.accepted).toBe(false)
  })

  it('refuses a message over the size limit before decoding it', () => {
    const result = outcome(decodeTaskAnnounce, new Uint8Array(LIMITS.gossipMessageBytes + 1))
    expect(result.accepted).toBe(false)
    if (!result.accepted) expect(result.error.code).toBe('oversized')
  })

  it('ignores (does not reject) a newer version whose body it cannot even decode', () => {
    // field 1 = the next version, then a field this version would choke on: 300 tasks
    const future = TaskAnnounce.encode({ ...announce, version: PROTOCOL_VERSION + 1, tasks: new Array(300).fill(offer) })
    const result = outcome(decodeTaskAnnounce, future)
    expect(result.accepted).toBe(false)
    if (!result.accepted) expect(result.error.action).toBe('ignore')
  })

  it('accepts an announce of a summary alone; refuses pulls over their limits', () => {
    expect(outcome(decodeTaskAnnounce, TaskAnnounce.encode({ ...announce, tasks: [], summary: [{ kind: 'echo', open: 5, maxPriority: 0, slots: 1, memoryBytes: 0, deterministic: true }] })).accepted).toBe(true)
    const pull = { worker: announce.author, count: 1, kinds: ['echo'], slots: 1, memoryBytes: 0 }
    expect(outcome(decodeLease, LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ pull }] })).accepted).toBe(true)
    expect(outcome(decodeLease, LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ pull: { ...pull, count: LIMITS.pullCount + 1 } }] })).accepted).toBe(false)
    expect(outcome(decodeLease, LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ pull: { ...pull, kinds: Array.from({ length: LIMITS.pullKinds + 1 }, (_, i) => `k${i}`) } }] })).accepted).toBe(false)
    expect(outcome(decodeLease, LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{ pull: { ...pull, kinds: [''] } }] })).accepted).toBe(false)
  })

  it('refuses a lease message without a body, and heartbeats whose free slots exceed their total', () => {
    expect(outcome(decodeLease, LeaseFrame.encode({ version: PROTOCOL_VERSION, messages: [{}] })).accepted).toBe(false)
    const beat = sample(arb.heartbeat)
    expect(outcome(decodeHeartbeat, Heartbeat.encode({ ...beat, slotsTotal: 2, slotsFree: 3 })).accepted).toBe(false)
  })
})

describe('lease encoders', () => {
  it('encode exactly the bytes protons encodes (they only give each message one object shape)', () => {
    fc.assert(fc.property(fc.array(arb.leaseMessage, { minLength: 1, maxLength: 8 }), messages => {
      expect(encodeLeaseFrame(messages)).toEqual(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages }))
      for (const message of messages) expect(encodeLeaseMessage(message)).toEqual(LeaseMessage.encode(message))
    }), { numRuns: 200 })
  })
})
