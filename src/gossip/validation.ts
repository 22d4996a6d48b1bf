import { TopicValidatorResult } from '@libp2p/gossipsub'

/**
 * Every way a message can fail validation, with what gossipsub should do about it.
 * REJECT penalizes the peer that delivered it (gossipsub P4) and is reported to reputation;
 * IGNORE drops it without penalty (a newer protocol version must not get peers banned).
 */
export const VIOLATIONS = {
  malformed: 'reject',
  oversized: 'reject',
  bad_field: 'reject',
  unsupported_version: 'reject',
  future_version: 'ignore',
  author_mismatch: 'reject',
  unsigned: 'reject',
  future_timestamp: 'reject',
  stale_timestamp: 'reject',
  timestamp_relayed: 'ignore',
  rate_limited: 'reject',
  rate_limited_relayed: 'ignore',
  /** A relayed message of an author new to this node, past what one connection may introduce. */
  new_author_budget: 'ignore',
  /** A verdict whose evidence does not stand (src/reputation/verdicts.ts): its author signed it. */
  false_verdict: 'reject',
  /** A verdict not checked: praise (nobody takes it) or over the budget of checks. */
  verdict_unchecked: 'ignore'
} as const

export type ViolationCode = keyof typeof VIOLATIONS
export type ValidationAction = typeof VIOLATIONS[ViolationCode]

/**
 * Rejections the signer of a gossip message is charged for as well as the peer that delivered
 * it: a valid signature over these shows the signer wrote them, and no replay or relay can make
 * them out of an honest message (an honest node runs the same checks on what it publishes).
 * Everything else (stale, over the rate, replayed) a deliverer could have produced from honest
 * messages, so only the deliverer is charged.
 */
export const SIGNER_FAULTS: ReadonlySet<ViolationCode> = new Set<ViolationCode>([
  'malformed', 'oversized', 'bad_field', 'unsupported_version', 'author_mismatch', 'future_timestamp', 'false_verdict'
])

/** Thrown by decoders and validators; carries the code, and so the action. */
export class ValidationError extends Error {
  readonly code: ViolationCode
  readonly action: ValidationAction

  constructor (code: ViolationCode, detail: string) {
    super(`${code}: ${detail}`)
    this.name = 'ValidationError'
    this.code = code
    this.action = VIOLATIONS[code]
  }
}

export function fail (code: ViolationCode, detail: string): never {
  throw new ValidationError(code, detail)
}

/** An error that is not a ValidationError (a decoder bug, a protons error) counts as malformed. */
export function asValidationError (err: unknown): ValidationError {
  if (err instanceof ValidationError) return err
  return new ValidationError('malformed', err instanceof Error ? err.message : String(err))
}

export function toGossipResult (action: ValidationAction | 'accept'): TopicValidatorResult {
  switch (action) {
    case 'accept': return TopicValidatorResult.Accept
    case 'ignore': return TopicValidatorResult.Ignore
    case 'reject': return TopicValidatorResult.Reject
  }
}
