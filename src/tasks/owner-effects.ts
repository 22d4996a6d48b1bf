import { LIMITS } from '../gossip/wire/limits.js'
import { RefusalCode, type LeaseMessage, type TaskRef } from '../gossip/wire/mesh.js'
import { peerIdToBytes } from '../gossip/wire/peer-bytes.js'
import { fromHex } from './spec.js'
import type { LifecycleSettings, RefusalReason, Task, TaskEffect, TaskEvent } from './lifecycle.js'
import type { OwnerAnnouncer } from './owner-announcer.js'
import type { ResultVerification } from './result-verification.js'
import type { Logger } from '../logger.js'
import type { ReputationHook } from '../reputation/hook.js'

/**
 * The effects of the owner's transitions, carried out once the transition is saved: the lease
 * messages to workers (grants, refusals, acks, cancels), a finished task's log line, and a
 * replica's verdict (a verified success, or a misreport).
 */

export interface OwnerEffectsComponents {
  /** This node's peer id as bytes: the owner in every task reference. */
  selfBytes: Uint8Array<ArrayBuffer>
  /** Sends lease messages to a peer (after the commit window closes). */
  send: (peer: string, messages: LeaseMessage[]) => void
  /** A first grant carries the task's offer, input included. */
  offers: Pick<OwnerAnnouncer, 'offerOf'>
  verification: Pick<ResultVerification, 'publishMisreport'>
  reputation: Pick<ReputationHook, 'report'>
  lifecycle: Pick<LifecycleSettings, 'leaseTtlMs'>
  /** A replica's lease was granted for the first time (not renewed or granted again). */
  granted: () => void
  logger: Logger
}

const REFUSAL_CODES: Record<RefusalReason, RefusalCode> = {
  STALE_EPOCH: RefusalCode.STALE_EPOCH,
  NOT_LEASED: RefusalCode.NOT_LEASED,
  TASK_CLOSED: RefusalCode.TASK_CLOSED,
  NOT_ELIGIBLE: RefusalCode.NOT_ELIGIBLE
}

/** A refusal of a worker's message about `task`, its reason cut to the wire's limit. */
export function refusalMessage (task: TaskRef, code: RefusalCode, reason: string): LeaseMessage {
  return { refusal: { task, code, reason: reason.slice(0, LIMITS.reasonChars) } }
}

export type PerformEffect = (task: Task, effect: TaskEffect, event: TaskEvent) => void

export function createOwnerEffects ({ selfBytes, send, offers, verification, reputation, lifecycle, granted, logger }: OwnerEffectsComponents): PerformEffect {
  return (task, effect, event) => {
    const ref = (replica: number, epoch: number): TaskRef => ({ owner: selfBytes, taskId: fromHex(task.id) as Uint8Array<ArrayBuffer>, replica, epoch })
    switch (effect.type) {
      case 'grant': {
        const first = event.type === 'claimed'
        if (first) granted()
        send(effect.worker, [{
          grant: {
            task: ref(effect.replica, effect.epoch),
            worker: peerIdToBytes(effect.worker),
            expiresAt: effect.expiresAt,
            ttlMs: lifecycle.leaseTtlMs,
            ...(first ? { offer: offers.offerOf(task, [effect.replica], true) } : {})
          }
        }])
        break
      }
      case 'refuse':
        send(effect.worker, [refusalMessage(ref(effect.replica, effect.epoch), REFUSAL_CODES[effect.code] ?? RefusalCode.NOT_LEASED, effect.reason)])
        break
      case 'ackResult':
        send(effect.worker, [{ ack: { task: ref(effect.replica, effect.epoch) } }])
        break
      case 'notifyCancel':
        send(effect.worker, [{ cancel: { task: ref(effect.replica, effect.epoch), reason: effect.reason } }])
        break
      case 'finished':
        logger.info({ task: task.id, state: effect.state, reason: task.history.at(-1)?.reason }, 'task finished')
        break
      case 'judged':
        if (effect.verdict === 'agreed') reputation.report(effect.worker, 'verified_success', `task ${task.id} replica ${effect.replica}`)
        else void verification.publishMisreport(task, effect.replica)
        break
    }
  }
}
