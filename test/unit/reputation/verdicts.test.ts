import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { ResultStatus, VerdictKind, type SignedResult, type TaskRef } from '../../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../../src/gossip/wire/peer-bytes.js'
import { signResult } from '../../../src/gossip/wire/result-signature.js'
import { checkVerdict } from '../../../src/reputation/verdicts.js'
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
})
