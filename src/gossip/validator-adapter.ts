import { asValidationError, type ValidationAction, type ViolationCode } from './validation.js'
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

function peerActionFor (code: ViolationCode): PeerAction {
  return code === 'rate_limited' ? 'rate_limit_abuse' : 'invalid_message'
}

/** Runs `validate`; whatever it throws is mapped here and nothing escapes. `blame` is the peer held responsible. */
export async function runValidation (
  sinks: AdapterSinks,
  channel: string,
  blame: () => string,
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
      const peer = blame()
      sinks.reputation.report(peer, peerActionFor(err.code), err.message)
      sinks.logger.debug({ peer, channel, reason: err.code, detail: err.message }, 'message rejected')
    }
    return { action: err.action, code: err.code }
  }
}
