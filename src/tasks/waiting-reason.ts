import type { Task } from './lifecycle.js'
import type { PeerRecord } from '../gossip/peer-table.js'
import type { ReputationHook } from '../reputation/hook.js'

/** What the owner knows of who could take its tasks, for saying why one waits. */
export interface WaitingContext {
  /** This node's peer id (its own worker counts as a peer). */
  self: string
  /** Whether this node's own worker runs a kind. */
  runsLocally: (kind: string) => boolean
  /** Banned peers are not counted as eligible. */
  reputation: Pick<ReputationHook, 'stateOf'>
}

/**
 * Why a pending or verifying task waits, if its trail does not say so already: nobody claimed it
 * while no live peer (nor this node) runs its kind, or there are fewer distinct eligible peers
 * than open replicas (replicas go to distinct peers). `alive` is the peer table's live peers.
 */
export function waitingReason (task: Task, alive: PeerRecord[], { self, runsLocally, reputation }: WaitingContext): string | undefined {
  if (task.state !== 'pending' && task.state !== 'verifying') return undefined
  const kind = task.spec.kind
  const peers = alive.filter(p => p.capabilities.some(c => c.kind === kind))
  const last = task.history.at(-1)?.reason
  if (task.state === 'pending' && !task.replicas.some(r => r.attempts > 0) && !runsLocally(kind) && peers.length === 0) {
    return last === 'no capable peer' ? undefined : 'no capable peer'
  }
  const used = new Set(task.replicas.flatMap(r => [r.doneBy, r.lease?.holder]).filter((p): p is string => p != null))
  const eligible = peers.filter(p => !used.has(p.peerId) && reputation.stateOf?.(p.peerId) !== 'banned').length +
    (runsLocally(kind) && !used.has(self) ? 1 : 0)
  const open = task.replicas.filter(r => r.status === 'open').length
  if (open <= eligible) return undefined
  const reason = `waiting for ${open} more distinct eligible peer(s); ${eligible} available (replicas go to distinct peers)`
  return last === reason ? undefined : reason
}
