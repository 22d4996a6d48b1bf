import { Attacker, type AttackCounts, type AttackName } from './attacker.js'
import { seeded } from './scenarios.js'
import type { PeerReputation } from '../reputation/reputation.js'

/**
 * The attackers of `--scenario adversarial`, and what the report says about them: leaks (inputs
 * an attacker read without a grant), honest peers that any honest node throttled or banned, and
 * attackers that honest nodes throttled or banned (a banned peer's gossipsub application score is
 * below the graylist threshold, so the mesh graylists it too).
 */

export interface AdversaryReport {
  attackers: number
  liars: number
  /** Succeeded with the expected output / with another output / anything else (failed, cancelled, unfinished). */
  tasks: { correct: number, wrong: number, lost: number }
  /** Task inputs (announcements carry only their hashes) that an attacker read without holding a lease on a task with that input. */
  inputsLeaked: number
  leaks: Array<{ attacker: string, inputHash: string, via: string }>
  /** Honest peers in state throttled or banned on some honest node. */
  honestPunished: number
  punished: Array<{ judge: string, peer: string, state: string, score: number }>
  /** The lowest score any honest node gave an honest peer (small negative events are expected), and that record. */
  honestLowestScore: number | null
  honestLowest: { judge: string, peer: string, score: number, counts: PeerReputation['counts'] } | null
  /** Attackers (wire attackers and liars) throttled or banned by at least one honest node. */
  attackersGraylisted: number
  peers: Array<{ name: string, role: string, peerId: string, bannedBy: number, throttledBy: number, lowestScore: number | null }>
  /** Most phantom peers (forged heartbeat authors) the owner's peer table showed alive at once (at most 50 peers only heard of are kept). */
  phantomPeersAlive: number
  /** Most phantom peers the owner counted as capacity at once (alive and connected): must be 0. */
  phantomPeersCounted: number
  /** The attacks the wire attackers were set to mount (`--attacks`), and what they did, summed. */
  mounted: AttackName[]
  attacks: AttackCounts
  /** Refusals the wire attackers' claims and renewals got, by code. */
  refusals: Record<string, number>
  /** Honest p50 latency with the attackers, and for the same seed and honest nodes without them (null when not run). */
  latencyP50Ms: { withAttackers: number | null, withoutAttackers: number | null, ratio: number | null }
}

export interface StartAttackers {
  count: number
  network: string
  seed: number
  kinds: string[]
  /** The honest nodes' addresses, to dial, and ids. */
  addrs: string[]
  honest: () => string[]
  windowMs: number
  replayAgeMs: number
  attacks: ReadonlySet<AttackName>
}

/** Makes, connects and starts the wire attackers. Gossip attacks start at 40% of the window, the lease-side ones at once. */
export async function startAttackers (init: StartAttackers): Promise<Attacker[]> {
  const allies = new Set<string>()
  const attackers: Attacker[] = []
  for (let i = 0; i < init.count; i++) {
    const attacker = await Attacker.create({
      network: init.network,
      random: seeded(init.seed * 1000 + i + 1),
      kinds: init.kinds,
      honest: init.honest,
      allies,
      gossipAfterMs: Math.round(init.windowMs * 0.4),
      attacks: init.attacks,
      replayAgeMs: init.replayAgeMs
    })
    allies.add(attacker.id)
    attackers.push(attacker)
  }
  for (const attacker of attackers) await attacker.join(init.addrs)
  for (const attacker of attackers) attacker.start()
  return attackers
}

export interface Judged { name: string, role: string, peerId: string }

/** The adversarial figures from the attackers' own records and every honest node's reputation table. */
export function adversaryReport (
  attackers: Attacker[],
  peers: Judged[],
  tables: Array<{ judge: string, table: PeerReputation[] }>,
  privateInputs: Set<string>,
  tasks: AdversaryReport['tasks'],
  phantoms: { alive: number, counted: number },
  latencyP50Ms: AdversaryReport['latencyP50Ms']
): AdversaryReport {
  const honest = new Set(peers.filter(p => p.role !== 'attacker' && p.role !== 'liar').map(p => p.peerId))
  const names = new Map(peers.map(p => [p.peerId, p.name]))
  const leaks = attackers.flatMap(a => [...a.obtained].filter(([hash]) => privateInputs.has(hash) && !a.granted.has(hash)).map(([inputHash, via]) => ({ attacker: names.get(a.id) ?? a.id, inputHash, via })))
  const punished = tables.flatMap(({ judge, table }) => table.filter(r => honest.has(r.peerId) && (r.state === 'throttled' || r.state === 'banned'))
    .map(r => ({ judge: names.get(judge) ?? judge, peer: names.get(r.peerId) ?? r.peerId, state: r.state, score: r.score })))
  const honestRecords = tables.flatMap(({ judge, table }) => table.filter(r => honest.has(r.peerId)).map(r => ({ judge: names.get(judge) ?? judge, peer: names.get(r.peerId) ?? r.peerId, score: r.score, counts: r.counts })))
  const lowest = honestRecords.reduce<typeof honestRecords[number] | null>((low, r) => low == null || r.score < low.score ? r : low, null)
  const judged = peers.filter(p => !honest.has(p.peerId)).map(p => {
    const records = tables.flatMap(({ table }) => table.filter(r => r.peerId === p.peerId))
    return {
      name: p.name,
      role: p.role,
      peerId: p.peerId,
      bannedBy: records.filter(r => r.state === 'banned').length,
      throttledBy: records.filter(r => r.state === 'throttled').length,
      lowestScore: records.length === 0 ? null : Math.min(...records.map(r => r.score))
    }
  })
  const attacks = Object.fromEntries(Object.keys(attackers[0]?.counts ?? {}).map(k => [k, attackers.reduce((sum, a) => sum + a.counts[k as keyof AttackCounts], 0)])) as unknown as AttackCounts
  return {
    attackers: judged.length,
    liars: judged.filter(p => p.role === 'liar').length,
    tasks,
    inputsLeaked: leaks.length,
    leaks,
    honestPunished: punished.length,
    punished,
    honestLowestScore: lowest?.score ?? null,
    honestLowest: lowest,
    attackersGraylisted: judged.filter(p => p.bannedBy + p.throttledBy > 0).length,
    peers: judged,
    phantomPeersAlive: phantoms.alive,
    phantomPeersCounted: phantoms.counted,
    mounted: [...(attackers[0]?.mounts ?? [])],
    attacks,
    refusals: attackers.reduce<Record<string, number>>((sum, a) => { for (const [code, n] of Object.entries(a.refusals)) sum[code] = (sum[code] ?? 0) + n; return sum }, {}),
    latencyP50Ms
  }
}
