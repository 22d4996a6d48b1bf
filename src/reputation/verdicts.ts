import { ResultStatus, VerdictKind, type SignedResult, type Verdict } from '../gossip/wire/mesh.js'
import { peerIdFromBytes } from '../gossip/wire/peer-bytes.js'
import { verifyResult } from '../gossip/wire/result-signature.js'
import { RateLimiter } from '../gossip/rate-limit.js'
import { fail } from '../gossip/validation.js'
import { toHex } from '../tasks/spec.js'
import type { Reputation } from './reputation.js'
import type { MeshProtocol } from '../gossip/mesh-protocol.js'
import type { Clock } from '../clock.js'

/**
 * Checks the evidence of a verdict another owner gossiped. A verdict stands only if:
 * - its author owns the task it is about (an owner judges only its own tasks);
 * - the first piece of evidence is the subject's own signed result for that task: a success or
 *   a permanent failure (a failure for good is a claim about the task, like an output);
 * - it is a MISREPORT (successes are first-hand only: a verdict praising a peer is ignored);
 * - at least one more signed result for the same task, each from a different worker that is
 *   neither the subject nor the author (an owner cannot contradict a worker with its own key),
 *   all casting one vote (status and output hash), which is not the subject's;
 * - the subject is not the author;
 * - every signature verifies.
 * A third party cannot rerun the task, so this proves only that the subject signed an output
 * that others contradicted; that is why verdicts count weighted and capped (table.ts).
 * Returns undefined when it stands, else why not.
 */
/** Results that are claims about a task: a success (its output hash) or a failure for good. */
const VOTES = new Set([ResultStatus.SUCCEEDED, ResultStatus.FAILED_PERMANENT])
const voteOf = (signed: SignedResult): string => `${signed.status}:${toHex(signed.outputHash)}`

export async function checkVerdict (verdict: Verdict, author: Uint8Array): Promise<string | undefined> {
  const task = verdict.task
  if (task == null) return 'no task'
  if (toHex(task.owner) !== toHex(author)) return 'the author does not own the task'
  if (toHex(verdict.subject) === toHex(author)) return 'a verdict about its own author'
  const [own, ...others] = verdict.evidence
  const sameTask = (s: SignedResult): boolean => s.task != null && toHex(s.task.owner) === toHex(task.owner) && toHex(s.task.taskId) === toHex(task.taskId)
  if (own == null || toHex(own.worker) !== toHex(verdict.subject) || !sameTask(own)) return 'the first evidence is not the subject\'s result for the task'
  if (!VOTES.has(own.status)) return 'the subject\'s result is neither a success nor a permanent failure'
  if (verdict.kind === VerdictKind.MISREPORT) {
    if (others.length === 0) return 'no result contradicts the subject'
    const workers = new Set<string>()
    for (const other of others) {
      const worker = toHex(other.worker)
      if (!sameTask(other) || !VOTES.has(other.status)) return 'contradicting evidence is not a result (success or permanent failure) of the same task'
      if (worker === toHex(verdict.subject) || worker === toHex(author) || workers.has(worker)) return 'contradicting evidence must come from distinct workers other than the subject and the author'
      if (voteOf(other) !== voteOf(others[0] as SignedResult)) return 'contradicting evidence does not agree'
      if (voteOf(other) === voteOf(own)) return 'the evidence agrees with the subject'
      workers.add(worker)
    }
  } else {
    return 'only misreport verdicts are taken'
  }
  for (const signed of verdict.evidence) {
    if (!await verifyResult(signed)) return 'a signature in the evidence does not verify'
  }
  return undefined
}

/**
 * How many verdicts a node checks the evidence of (up to LIMITS.evidence signatures each, ~83 µs
 * a signature): per delivering peer, and for all peers together. Per-author limits alone do not
 * bound this: a stranger signs each verdict with a fresh key. Verdicts are rare (one per proven
 * misreport), so an honest mesh stays far below.
 */
export const VERDICT_CHECKS = {
  perPeer: { rate: 20, burst: 60 },
  total: { rate: 100, burst: 200 }
} as const

export interface VerdictCheckInit {
  clock: Pick<Clock, 'now'>
}

/**
 * The verdict topic's validator step, run before gossipsub forwards a verdict: a verdict no one
 * takes (praise) is dropped unforwarded; past the check budget a verdict is dropped unchecked
 * (IGNORE: the relay may be honest); one whose evidence does not stand is REJECTed, which costs the
 * delivering peer gossipsub's P4 and the author a `false_verdict` (validation.ts): only the
 * author could have signed that verdict. Only verdicts whose evidence stands reach a second hop.
 */
export function createVerdictCheck (init: VerdictCheckInit): (verdict: Verdict, author: Uint8Array, deliverer: string) => Promise<void> {
  const perPeer = new RateLimiter(VERDICT_CHECKS.perPeer, 10_000)
  const total = new RateLimiter(VERDICT_CHECKS.total, 1)
  return async (verdict, author, deliverer) => {
    // Praise is taken first-hand only: a success verdict is not forwarded (nor held against its author).
    if (verdict.kind !== VerdictKind.MISREPORT) fail('verdict_unchecked', 'only misreport verdicts are taken')
    const now = init.clock.now()
    if (!perPeer.take(deliverer, now) || !total.take('', now)) fail('verdict_unchecked', 'over the budget of verdict checks')
    let reason: string | undefined
    try {
      reason = await checkVerdict(verdict, author)
    } catch (err) {
      reason = `evidence that cannot be checked: ${(err as Error).message}`
    }
    if (reason == null && peerIdFromBytes(verdict.subject) == null) reason = 'the subject is not a peer id'
    if (reason != null) fail('false_verdict', reason)
  }
}

/**
 * Takes in the verdicts other owners gossip. Only verdicts whose evidence stands get here (the
 * topic validator checked them: createVerdictCheck); each counts weighted by the reporter's own
 * score and capped (Reputation.reportVerdict). Returns the unsubscribe function.
 */
export function listenForVerdicts (protocol: Pick<MeshProtocol, 'on'>, reputation: Pick<Reputation, 'reportVerdict'>): () => void {
  return protocol.on('verdict', (verdict, from) => {
    const subject = peerIdFromBytes(verdict.subject)?.toString()
    if (subject == null || verdict.kind !== VerdictKind.MISREPORT) return
    reputation.reportVerdict(subject, 'misreport', from, `task ${verdict.task == null ? '' : toHex(verdict.task.taskId)}`)
  })
}
