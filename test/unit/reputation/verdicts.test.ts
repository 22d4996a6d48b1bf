import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { ResultStatus, VerdictKind, type SignedResult, type TaskRef } from '../../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../../src/gossip/wire/peer-bytes.js'
import { signResult } from '../../../src/gossip/wire/result-signature.js'
import { VERDICT_CHECKS, checkVerdict, createVerdictCheck } from '../../../src/reputation/verdicts.js'
import { ValidationError } from '../../../src/gossip/validation.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { sha256 } from '../../../src/tasks/spec.js'
import type { PrivateKey } from '@libp2p/interface'

async function key (): Promise<PrivateKey> { return await generateKeyPair('Ed25519') }
const bytesOf = (k: PrivateKey): Uint8Array<ArrayBuffer> => peerIdToBytes(peerIdFromPrivateKey(k))

describe('checkVerdict', () => {
  it('takes a permanent failure as a vote: a failure contradicted by agreeing successes, or a success contradicted by agreeing failures, stands; a verdict whose evidence casts the subject\'s own vote does not', async () => {
    const [owner, subject, a, b] = await Promise.all([key(), key(), key(), key()])
    const ref = (replica: number): TaskRef => ({ owner: bytesOf(owner), taskId: sha256(new Uint8Array([1])) as Uint8Array<ArrayBuffer>, replica, epoch: 1 })
    const signed = async (k: PrivateKey, replica: number, status: ResultStatus, output: string): Promise<SignedResult> =>
      await signResult(k, { task: ref(replica), worker: bytesOf(k), status, outputHash: sha256(new TextEncoder().encode(output)) as Uint8Array<ArrayBuffer> })
    const verdict = (evidence: SignedResult[]): Parameters<typeof checkVerdict>[0] => ({ version: 1, author: bytesOf(owner), timestamp: 0, subject: bytesOf(subject), kind: VerdictKind.MISREPORT, task: ref(0), evidence })
    const failure = await signed(subject, 0, ResultStatus.FAILED_PERMANENT, '')
    const successes = [await signed(a, 1, ResultStatus.SUCCEEDED, 'out'), await signed(b, 2, ResultStatus.SUCCEEDED, 'out')]
    expect(await checkVerdict(verdict([failure, ...successes]), bytesOf(owner))).toBeUndefined()
    const success = await signed(subject, 0, ResultStatus.SUCCEEDED, 'out')
    const failures = [await signed(a, 1, ResultStatus.FAILED_PERMANENT, ''), await signed(b, 2, ResultStatus.FAILED_PERMANENT, '')]
    expect(await checkVerdict(verdict([success, ...failures]), bytesOf(owner))).toBeUndefined()
    expect(await checkVerdict(verdict([failure, ...failures]), bytesOf(owner))).toBe('the evidence agrees with the subject')
    expect(await checkVerdict(verdict([failure, successes[0] as SignedResult, failures[1] as SignedResult]), bytesOf(owner))).toBe('contradicting evidence does not agree')
    const retryable = await signed(subject, 0, ResultStatus.FAILED, '')
    expect(await checkVerdict(verdict([retryable, ...successes]), bytesOf(owner))).toBe('the subject\'s result is neither a success nor a permanent failure')
  })

  it('the topic validator step: a verdict that stands passes; failing evidence is a false_verdict (REJECT); praise and verdicts past the check budget are dropped unchecked (IGNORE)', async () => {
    const [owner, subject, a, b] = await Promise.all([key(), key(), key(), key()])
    const ref = (replica: number): TaskRef => ({ owner: bytesOf(owner), taskId: sha256(new Uint8Array([2])) as Uint8Array<ArrayBuffer>, replica, epoch: 1 })
    const signed = async (k: PrivateKey, replica: number, output: string): Promise<SignedResult> =>
      await signResult(k, { task: ref(replica), worker: bytesOf(k), status: ResultStatus.SUCCEEDED, outputHash: sha256(new TextEncoder().encode(output)) as Uint8Array<ArrayBuffer> })
    const evidence = [await signed(subject, 0, 'wrong'), await signed(a, 1, 'out'), await signed(b, 2, 'out')]
    const verdict = { version: 1, author: bytesOf(owner), timestamp: 0, subject: bytesOf(subject), kind: VerdictKind.MISREPORT, task: ref(0), evidence }
    const forged = { ...verdict, evidence: evidence.map(e => ({ ...e, signature: new Uint8Array(64) as Uint8Array<ArrayBuffer> })) }
    const check = createVerdictCheck({ clock: new ManualClock() })
    const codeOf = async (run: Promise<void>): Promise<string | undefined> => await run.then(() => undefined, (err: ValidationError) => `${err.code}/${err.action}`)
    expect(await codeOf(check(verdict, bytesOf(owner), 'relay'))).toBeUndefined()
    expect(await codeOf(check(forged, bytesOf(owner), 'relay'))).toBe('false_verdict/reject')
    expect(await codeOf(check({ ...verdict, kind: VerdictKind.VERIFIED_SUCCESS }, bytesOf(owner), 'relay'))).toBe('verdict_unchecked/ignore')
    // One delivering peer gets its burst of checks, then nothing more until its bucket refills; another peer still gets its own.
    const outcomes = []
    for (let i = 0; i < VERDICT_CHECKS.perPeer.burst; i++) outcomes.push(await codeOf(check(forged, bytesOf(owner), 'flooder')))
    expect(outcomes.filter(o => o === 'false_verdict/reject').length).toBe(VERDICT_CHECKS.perPeer.burst)
    expect(await codeOf(check(forged, bytesOf(owner), 'flooder'))).toBe('verdict_unchecked/ignore')
    expect(await codeOf(check(verdict, bytesOf(owner), 'another'))).toBeUndefined()
  })
})
