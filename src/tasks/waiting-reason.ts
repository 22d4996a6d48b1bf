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

export const NO_CAPABLE_PEER = 'no capable peer'
/** A pending task nothing blocks: it waits its turn. */
export const QUEUED = 'queued: waiting for a worker with a free slot to take it'
const TOO_FEW_PEERS = /^waiting for \d+ more distinct eligible peer/

/** Live peers (and this node) that run `kind` and are not banned. */
function capablePeers (kind: string, alive: PeerRecord[], reputation: WaitingContext['reputation']): PeerRecord[] {
  return alive.filter(p => p.capabilities.some(c => c.kind === kind) && reputation.stateOf?.(p.peerId) !== 'banned')
}

/**
 * What blocks a pending or verifying task now, if anything: nobody claimed it while no live
 * peer (nor this node) runs its kind, or there are fewer distinct eligible peers than open
 * replicas (replicas go to distinct peers). `alive` is the peer table's live peers.
 */
export function whyBlocked (task: Task, alive: PeerRecord[], context: WaitingContext): string | undefined {
  if (task.state !== 'pending' && task.state !== 'verifying') return undefined
  const { self, runsLocally, reputation } = context
  const kind = task.spec.kind
  const peers = alive.filter(p => p.capabilities.some(c => c.kind === kind))
  if (task.state === 'pending' && !task.replicas.some(r => r.attempts > 0) && !runsLocally(kind) && peers.length === 0) return NO_CAPABLE_PEER
  const used = new Set(task.replicas.flatMap(r => [r.doneBy, r.lease?.holder]).filter((p): p is string => p != null))
  const eligible = peers.filter(p => !used.has(p.peerId) && reputation.stateOf?.(p.peerId) !== 'banned').length +
    (runsLocally(kind) && !used.has(self) ? 1 : 0)
  const open = task.replicas.filter(r => r.status === 'open').length
  if (open <= eligible) return undefined
  return `waiting for ${open} more distinct eligible peer(s); ${eligible} available (replicas go to distinct peers)`
}

/** Why a pending or verifying task waits, if its trail does not say so already (a note for the trail). */
export function waitingReason (task: Task, alive: PeerRecord[], context: WaitingContext): string | undefined {
  const reason = whyBlocked(task, alive, context)
  return reason == null || task.history.at(-1)?.reason === reason ? undefined : reason
}

/**
 * Why a pending or verifying task waits, now, for its view and its error at the deadline (a
 * parked task's trail has no notes: this is worked out when asked): what blocks it, else the
 * last word of its trail (a failed attempt and its retry), else that it waits its turn.
 */
export function waitingNow (task: Task, alive: PeerRecord[], context: WaitingContext): string | undefined {
  if (task.state !== 'pending' && task.state !== 'verifying') return undefined
  const blocked = whyBlocked(task, alive, context)
  if (blocked != null) return blocked
  const last = task.history.at(-1)?.reason
  // A blocking note in the trail that no longer holds says nothing now.
  if (last != null && last !== 'submitted' && last !== NO_CAPABLE_PEER && !TOO_FEW_PEERS.test(last)) return last
  return task.state === 'pending' ? QUEUED : 'waiting for the other replicas\' results'
}

/**
 * A warning for a submitter, when tasks of `kind` asking for `redundancy` distinct peers cannot
 * all run on the live peers (and this node) that run it now; undefined when they can.
 */
export function capacityWarning (kind: string, redundancy: number, alive: PeerRecord[], context: WaitingContext): string | undefined {
  const here = context.runsLocally(kind)
  const capable = capablePeers(kind, alive, context.reputation).filter(p => p.peerId !== context.self).length + (here ? 1 : 0)
  if (capable >= redundancy) return undefined
  if (capable === 0) return `no live peer runs kind "${kind}" (nor this node): the task waits until one does, or until its deadline ("mesh-node peers" lists the kinds each peer runs)`
  return `only ${capable} live peer(s) run kind "${kind}" (${here ? 'this node counted' : 'this node does not run it'}), fewer than the ${redundancy} distinct peers redundancy ${redundancy} needs: the task waits for ${redundancy - capable} more, or until its deadline`
}
