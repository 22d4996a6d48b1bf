import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { ResultStatus, type SignedResult, type TaskRef } from './mesh.js'
import { peerIdFromBytes } from './peer-bytes.js'
import type { PrivateKey } from '@libp2p/interface'

/**
 * The bytes a worker signs for a result (docs/PROTOCOL.md, "Result signatures"): a domain tag,
 * then fixed-width or length-prefixed fields, so a third party reproduces them exactly.
 */
const DOMAIN = new TextEncoder().encode('mesh-node/result/1\0')

export type ResultStatement = Omit<SignedResult, 'signature' | 'task'> & { task: TaskRef }

/** The status as its protobuf enum number. */
const STATUS_NUMBER: Record<ResultStatus, number> = {
  [ResultStatus.RESULT_UNSPECIFIED]: 0,
  [ResultStatus.SUCCEEDED]: 1,
  [ResultStatus.FAILED]: 2,
  [ResultStatus.FAILED_PERMANENT]: 3
}

export function resultSigningBytes ({ task, worker, status, outputHash }: ResultStatement): Uint8Array {
  const size = DOMAIN.byteLength + 1 + task.owner.byteLength + task.taskId.byteLength + 4 + 8 + 1 + worker.byteLength + 1 + outputHash.byteLength
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = 0
  const put = (bytes: Uint8Array): void => { out.set(bytes, at); at += bytes.byteLength }
  put(DOMAIN)
  out[at++] = task.owner.byteLength
  put(task.owner)
  put(task.taskId)
  view.setUint32(at, task.replica)
  at += 4
  view.setBigUint64(at, BigInt(task.epoch))
  at += 8
  out[at++] = worker.byteLength
  put(worker)
  out[at++] = STATUS_NUMBER[status]
  put(outputHash)
  return out
}

/** node:crypto key objects of Ed25519 keys, made once per key (libp2p's sign makes one from JWK at every call). */
const keyObjects = new WeakMap<PrivateKey, KeyObject>()

function keyObjectOf (key: PrivateKey): KeyObject | undefined {
  if (key.type !== 'Ed25519' || key.raw.byteLength !== 64) return undefined
  let object = keyObjects.get(key)
  if (object == null) {
    const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
    object = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64(key.raw.subarray(0, 32)), x: b64(key.raw.subarray(32)) }, format: 'jwk' })
    keyObjects.set(key, object)
  }
  return object
}

export async function signResult (key: PrivateKey, statement: ResultStatement): Promise<SignedResult> {
  const bytes = resultSigningBytes(statement)
  // Ed25519 is deterministic: the same signature libp2p's key.sign makes, without its per-call key
  // import. Made on the event loop (~30 µs here): on libuv's thread pool (sign with a callback)
  // the hand-off cost ~10 µs of the loop and ~10 µs more CPU in all, and on 2 cores the woken
  // thread pre-empted the loop: the throughput bench ran ~8 % faster signing here (sixth session).
  const object = keyObjectOf(key)
  const signature = object != null ? sign(null, bytes, object) : await key.sign(bytes)
  return { ...statement, signature: new Uint8Array(signature) }
}

/** True when the signature is the worker's over this statement. Called lazily: when a result becomes evidence. */
export async function verifyResult (signed: SignedResult): Promise<boolean> {
  const publicKey = peerIdFromBytes(signed.worker)?.publicKey
  if (publicKey == null || signed.task == null) return false
  try {
    return await publicKey.verify(resultSigningBytes({ task: signed.task, worker: signed.worker, status: signed.status, outputHash: signed.outputHash }), signed.signature)
  } catch {
    return false
  }
}
