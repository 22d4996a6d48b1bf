import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { ResultStatus } from '../../../../src/gossip/wire/mesh.js'
import { peerIdToBytes } from '../../../../src/gossip/wire/peer-bytes.js'
import { resultSigningBytes, signResult, verifyResult } from '../../../../src/gossip/wire/result-signature.js'

describe('result signatures', async () => {
  const key = await generateKeyPair('Ed25519')
  const other = await generateKeyPair('Ed25519')
  const worker = peerIdToBytes(peerIdFromPrivateKey(key))
  const statement = {
    task: { owner: peerIdToBytes(peerIdFromPrivateKey(other)), taskId: new Uint8Array(32).fill(7), replica: 1, epoch: 3 },
    worker,
    status: ResultStatus.SUCCEEDED,
    outputHash: new Uint8Array(32).fill(9)
  }

  it('verifies a result signed by its worker', async () => {
    expect(await verifyResult(await signResult(key, statement))).toBe(true)
  })

  it.each([
    ['epoch', { task: { ...statement.task, epoch: 4 } }],
    ['replica', { task: { ...statement.task, replica: 0 } }],
    ['task id', { task: { ...statement.task, taskId: new Uint8Array(32).fill(8) } }],
    ['output hash', { outputHash: new Uint8Array(32).fill(1) }],
    ['status', { status: ResultStatus.FAILED }]
  ])('fails when the %s is changed after signing', async (_name, change) => {
    const signed = await signResult(key, statement)
    expect(await verifyResult({ ...signed, ...change })).toBe(false)
  })

  it('fails when someone else signs in the worker\'s name', async () => {
    const forged = await signResult(other, statement)
    expect(await verifyResult(forged)).toBe(false)
    expect(await verifyResult({ ...forged, worker: new Uint8Array([1, 2, 3]) })).toBe(false)
  })

  it('signs a fixed layout: domain tag, then the fields in order', () => {
    const bytes = resultSigningBytes(statement)
    expect(new TextDecoder().decode(bytes.subarray(0, 19))).toBe('mesh-node/result/1\0')
    expect(bytes.byteLength).toBe(19 + 1 + statement.task.owner.byteLength + 32 + 4 + 8 + 1 + worker.byteLength + 1 + 32)
  })
})
