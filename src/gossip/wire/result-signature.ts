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

export async function signResult (key: PrivateKey, statement: ResultStatement): Promise<SignedResult> {
  const signature = await key.sign(resultSigningBytes(statement))
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
