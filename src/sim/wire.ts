import { createHash, randomBytes } from 'node:crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { blobProtocol, leaseProtocol } from '../gossip/topics.js'
import { checkLeaseMessage, decodeLeaseFrame, type LeaseBody } from '../gossip/wire/codec.js'
import { LIMITS, PROTOCOL_VERSION } from '../gossip/wire/limits.js'
import { BlobRequest, BlobResponse, BlobStatus, LeaseFrame, ResultStatus, type LeaseMessage, type TaskOffer, type TaskRef } from '../gossip/wire/mesh.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { signResult } from '../gossip/wire/result-signature.js'
import { sha256 } from '../tasks/spec.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PrivateKey, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

/**
 * The point-to-point protocols as a bare peer speaks them (lease frames and blob fetches), built
 * on the wire codec only. Shared by the attack tests' peers and the simulation's attackers.
 */

type Peer = Libp2p<{ pubsub: GossipSub }>

/** Sends lease messages to a peer on a stream of their own. */
export async function sendLeases (libp2p: Peer, network: string, peer: string, messages: LeaseMessage[]): Promise<void> {
  const stream = await libp2p.dialProtocol(peerIdFromString(peer), leaseProtocol(network))
  await lpStream(stream, { maxDataLength: LIMITS.frameBytes }).write(LeaseFrame.encode({ version: PROTOCOL_VERSION, messages }))
  await stream.close()
}

/** Reads lease frames from a stream until it ends, handing each checked message to `onBody`. */
export async function readLeases (stream: Stream, onBody: (body: LeaseBody) => void): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: LIMITS.frameBytes })
  try {
    for (;;) {
      const frame = decodeLeaseFrame((await lp.read()).subarray())
      for (const [i, message] of frame.messages.entries()) onBody(checkLeaseMessage(message, `messages[${i}]`).body)
    }
  } catch {
    await stream.close().catch(() => {})
  }
}

export interface Fetched { status: BlobStatus, bytes?: Uint8Array, sha256?: string, size?: number }

/**
 * Fetches a blob from a peer over the blob protocol: the status it answered and, if OK, the
 * size, SHA-256 (hex) and (unless `keep` is false) the bytes of what arrived.
 */
export async function fetchBlob (libp2p: Peer, network: string, peer: string, hash: Uint8Array, { maxSize = LIMITS.blobBytes, keep = true, timeoutMs = 300_000 }: { maxSize?: number, keep?: boolean, timeoutMs?: number } = {}): Promise<Fetched> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await libp2p.dialProtocol(peerIdFromString(peer), blobProtocol(network), { signal })
  const lp = lpStream(stream, { maxDataLength: LIMITS.blobChunkBytes, maxBufferSize: 64 * LIMITS.blobChunkBytes })
  try {
    await lp.write(BlobRequest.encode({ version: PROTOCOL_VERSION, hash: hash as Uint8Array<ArrayBuffer>, maxSize }), { signal })
    const response = BlobResponse.decode((await lp.read({ signal })).subarray())
    if (response.status !== BlobStatus.BLOB_OK) return { status: response.status }
    const bytes = keep ? new Uint8Array(response.size) : undefined
    const digest = createHash('sha256')
    let at = 0
    while (at < response.size) {
      const chunk = (await lp.read({ signal })).subarray()
      bytes?.set(chunk, at)
      digest.update(chunk)
      at += chunk.byteLength
    }
    return { status: response.status, size: at, sha256: digest.digest('hex'), ...(bytes != null ? { bytes } : {}) }
  } finally {
    await stream.close().catch(() => { stream.abort(new Error('closed')) })
  }
}

/** A result signed with `key`, as a worker would send it. */
export async function resultMessage (key: PrivateKey, task: TaskRef, status: ResultStatus, output: Uint8Array, error = ''): Promise<LeaseMessage> {
  const worker = peerIdToBytes(peerIdFromPrivateKey(key))
  const signed = await signResult(key, { task, worker, status, outputHash: sha256(output) as Uint8Array<ArrayBuffer> })
  return { result: { signed, output: output as Uint8Array<ArrayBuffer>, outputSize: output.byteLength, stderrTail: '', exitCode: status === ResultStatus.SUCCEEDED ? 0 : 1, startedAt: Date.now(), finishedAt: Date.now(), error } }
}

/** A task offer of a bare peer's own, with the fields a worker needs; `overrides` on top. */
export function offer (overrides: Partial<TaskOffer> = {}): TaskOffer {
  return {
    taskId: new Uint8Array(randomBytes(32)),
    kind: 'echo',
    redundancy: 1,
    timeoutMs: 30_000,
    maxAttempts: 1,
    priority: 0,
    deadline: Date.now() + 120_000,
    input: new Uint8Array(),
    inputHash: new Uint8Array(createHash('sha256').digest()),
    inputSize: 0,
    openReplicas: [0],
    slots: 1,
    memoryBytes: 0,
    deterministic: true,
    module: new Uint8Array(),
    moduleHash: new Uint8Array(),
    moduleSize: 0,
    ...overrides
  }
}

/** A grant of replica 0 of `task` to `worker`, owned by the peer `owner` (bytes), for a long lease. */
export function grantMessage (owner: Uint8Array<ArrayBuffer>, worker: string, task: TaskOffer, epoch = 1): LeaseMessage {
  return {
    grant: {
      task: { owner, taskId: task.taskId, replica: 0, epoch },
      worker: peerIdToBytes(worker),
      expiresAt: Date.now() + 120_000,
      ttlMs: 120_000,
      offer: task
    }
  }
}
