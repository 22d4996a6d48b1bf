import { SIGNER_FAULTS, asValidationError, type ValidationAction, type ViolationCode } from './validation.js'
import type { Logger } from '../logger.js'
import type { PeerAction, ReputationHook } from '../reputation/hook.js'
import type { Counter } from 'prom-client'

/**
 * The one place a validation outcome becomes its consequences (Lodestar's gossipValidatorFn):
 * an action for gossipsub or the stream, a metric label, and a reputation event.
 */
export interface AdapterSinks {
  counter: Counter<string>
  /** The label that names the channel: `topic` for gossip, `type` for streams. */
  channelLabel: 'topic' | 'type'
  reputation: ReputationHook
  logger: Logger
}

export interface Outcome {
  action: ValidationAction | 'accept'
  code?: ViolationCode
}

/** Who a rejected message may be charged to. */
export interface Parties {
  /** The peer that handed the message to this node (a stream's remote peer, gossipsub's propagation source). */
  deliverer: string
  /** The gossip message's signer, when it is signed. */
  signer?: string
}

/**
 * The peers a rejection is charged to: always the deliverer, which could check everything this
 * node checks before passing the message on; the signer too, if another peer delivered the
 * message and only the signer could have written it (SIGNER_FAULTS).
 */
export function chargedFor (code: ViolationCode, { deliverer, signer }: Parties): string[] {
  return signer != null && signer !== deliverer && SIGNER_FAULTS.has(code) ? [deliverer, signer] : [deliverer]
}

function peerActionFor (code: ViolationCode): PeerAction {
  if (code === 'false_verdict') return 'false_verdict'
  return code === 'rate_limited' ? 'rate_limit_abuse' : 'invalid_message'
}

/** Runs `validate`; whatever it throws is mapped here and nothing escapes. A REJECT is charged per `chargedFor`. */
export async function runValidation (
  sinks: AdapterSinks,
  channel: string,
  parties: () => Parties,
  validate: () => void | Promise<void>
): Promise<Outcome> {
  try {
    await validate()
    sinks.counter.inc({ [sinks.channelLabel]: channel, result: 'accept', reason: '' })
    return { action: 'accept' }
  } catch (thrown) {
    const err = asValidationError(thrown)
    sinks.counter.inc({ [sinks.channelLabel]: channel, result: err.action, reason: err.code })
    if (err.action === 'reject') {
      const charged = chargedFor(err.code, parties())
      for (const peer of charged) sinks.reputation.report(peer, peerActionFor(err.code), err.message)
      sinks.logger.debug({ peers: charged, channel, reason: err.code, detail: err.message }, 'message rejected')
    }
    return { action: err.action, code: err.code }
  }
}
