import type { CommitWindow } from './commit-window.js'
import type { LeaseRouter } from './lease-router.js'
import type { Clock } from '../clock.js'
import type { LeaseMessage } from '../gossip/wire/mesh.js'
import type { Logger } from '../logger.js'

/** Sends lease messages to a peer without waiting: a message that cannot be delivered is reported, not thrown. */
export type SendLease = (peer: string, messages: LeaseMessage[]) => void

export interface WorkerSenderComponents {
  router: Pick<LeaseRouter, 'send'>
  /** Group commit: messages go after it commits (absent: at once). */
  window?: Pick<CommitWindow, 'sendLoose'>
  clock: Pick<Clock, 'now'>
  logger: Logger
  /** Messages to the peer could not be delivered (no connection). */
  unreachable: (peer: string) => void
  /** True while the worker stops: its streams close under what it still sends, and that is no news (logged at debug). */
  stopping?: () => boolean
}

/** The worker's way out: lease messages through the commit window (or the router), failures logged and reported. */
export function createWorkerSender ({ router, window, clock, logger, unreachable, stopping }: WorkerSenderComponents): SendLease {
  const warnedAt = new Map<string, number>()
  const failed = (peer: string, err: Error): void => {
    unreachable(peer)
    // Once a minute per owner at warn: a worker that cannot reach an owner should say so.
    const now = clock.now()
    const fields = { peer, err: err.message }
    if (stopping?.() !== true && now - (warnedAt.get(peer) ?? -Infinity) > 60_000) {
      warnedAt.set(peer, now)
      if (warnedAt.size > 1000) warnedAt.delete(warnedAt.keys().next().value as string)
      logger.warn(fields, 'cannot reach a task owner')
    } else {
      logger.debug(fields, 'lease message not delivered')
    }
  }
  return (peer, messages) => {
    if (window != null) {
      window.sendLoose(peer, messages, failed)
      return
    }
    router.send(peer, messages).catch(err => { failed(peer, err as Error) })
  }
}
