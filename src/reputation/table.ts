/**
 * Reputation as pure functions: what each observed action is worth, how a score decays toward
 * neutral, and what a score means (scoreToState). No clock and no I/O here; `Reputation`
 * (./reputation.ts) keeps the table, persists it and answers the rest of the node.
 */

/** What a node can observe a peer do. First-hand unless it came in a verdict. */
export type PeerAction =
  /** Its result agreed with the accepted (majority or spot-checked) output. */
  | 'verified_success'
  /** A task attempt failed on it. */
  | 'task_failure'
  /** It held a lease and went silent until the lease expired. */
  | 'lease_expired'
  /** It gave a lease back (drain, shutdown). Costs almost nothing: that is the polite way out. */
  | 'lease_released'
  /** It gave back more leases than its allowance (a claim-then-release loop): as bad as abandoning one. */
  | 'lease_churn'
  /** Its result disagreed with the accepted output of a deterministic task. */
  | 'misreport'
  /** A message that broke the protocol (decoding, limits, authorship, bad blob bytes). */
  | 'invalid_message'
  /** Over a rate limit by a wide margin. */
  | 'rate_limit_abuse'
  /** An owner left a claim unanswered (a grant never came). */
  | 'claim_ignored'
  /** An owner refused a result of a lease it had granted. */
  | 'result_refused'
  /** A verdict whose evidence does not hold up. */
  | 'false_verdict'

export const ACTION_DELTAS: Readonly<Record<PeerAction, number>> = {
  verified_success: 2,
  task_failure: -1,
  lease_expired: -5,
  lease_released: -0.25,
  lease_churn: -5,
  // One proven misreport bans: it is charged only when a strict majority of distinct peers agreed
  // on another output of a deterministic task.
  misreport: -50,
  invalid_message: -10,
  rate_limit_abuse: -5,
  claim_ignored: -1,
  result_refused: -2,
  false_verdict: -25
}

/**
 * Actions that say a peer took part in work with this node (leases, results, owners' answers),
 * as opposed to only having sent it messages. A bounded table evicts records of peers that only
 * sent messages before records of peers that did work.
 */
export const WORK_ACTIONS: ReadonlySet<PeerAction> = new Set<PeerAction>([
  'verified_success', 'task_failure', 'lease_expired', 'lease_released', 'lease_churn', 'misreport', 'claim_ignored', 'result_refused'
])

export type PeerState = 'trusted' | 'neutral' | 'probation' | 'throttled' | 'banned'

export interface ReputationSettings {
  /** Scores are clamped to [-max, max]. */
  max: number
  /** A score halves toward 0 (neutral) in this time. */
  halfLifeMs: number
  /** Verified results a peer needs to leave probation. */
  probationVerified: number
  trustedScore: number
  trustedVerified: number
  /** At or below: throttled (one live lease at a time). */
  throttledAt: number
  /** At or below: banned (no leases; gossipsub graylists it), for at least `banMs`. */
  bannedAt: number
  banMs: number
  /** Most that verdicts from one reporter can move a subject's score, in all. */
  secondHandCap: number
  /** Most that verdicts from all reporters together can move it: below the throttle line, so hearsay alone never throttles. */
  secondHandTotalCap: number
  /** Reporters whose net effect is remembered per subject (the oldest go first). */
  secondHandReporters: number
  /** Spot-check probability floor for a peer with a long record. */
  spotCheckFloor: number
  /** The floor for a `trusted` peer (score and verified record both past the trusted line). */
  trustedSpotCheckFloor: number
}

export const DEFAULT_REPUTATION: ReputationSettings = {
  max: 100,
  halfLifeMs: 3_600_000,
  probationVerified: 3,
  trustedScore: 20,
  trustedVerified: 10,
  throttledAt: -20,
  bannedAt: -50,
  banMs: 3_600_000,
  secondHandCap: 10,
  secondHandTotalCap: 15,
  secondHandReporters: 32,
  spotCheckFloor: 0.05,
  trustedSpotCheckFloor: 0.02
}

export interface PeerRecord {
  score: number
  /** When `score` was last brought up to date (decay is applied from here). */
  updatedAt: number
  firstSeen: number
  /** Verified results, first-hand. */
  verified: number
  counts: Partial<Record<PeerAction, number>>
  /** Net score change applied from each verdict reporter, for the cap (the latest reporters only). */
  secondHand: Record<string, number>
  /** Net score change applied from all verdicts, for the total cap. */
  secondHandTotal?: number
  /** Banned until then at least, whatever the score does meanwhile. */
  bannedUntil?: number
}

export function newRecord (now: number): PeerRecord {
  return { score: 0, updatedAt: now, firstSeen: now, verified: 0, counts: {}, secondHand: {} }
}

/** The score at `now`: halved toward 0 every half-life since the last update. */
export function decayedScore (record: PeerRecord, now: number, settings: ReputationSettings = DEFAULT_REPUTATION): number {
  const elapsed = Math.max(0, now - record.updatedAt)
  return record.score * 0.5 ** (elapsed / settings.halfLifeMs)
}

const clamp = (value: number, max: number): number => Math.max(-max, Math.min(max, value))

/** A score at or below the ban line starts (or extends) a ban of `banMs`. */
function withBan (record: PeerRecord, now: number, settings: ReputationSettings): PeerRecord {
  return record.score <= settings.bannedAt ? { ...record, bannedUntil: now + settings.banMs } : record
}

/** The record after a first-hand action. */
export function applyAction (record: PeerRecord, action: PeerAction, now: number, settings: ReputationSettings = DEFAULT_REPUTATION): PeerRecord {
  return withBan({
    ...record,
    score: clamp(decayedScore(record, now, settings) + ACTION_DELTAS[action], settings.max),
    updatedAt: now,
    // A misreport wipes the record of verified results: a liar that served its ban starts over on
    // probation (always spot-checked), not where its past record left it.
    verified: action === 'misreport' ? 0 : record.verified + (action === 'verified_success' ? 1 : 0),
    counts: { ...record.counts, [action]: (record.counts[action] ?? 0) + 1 },
    secondHand: record.secondHand
  }, now, settings)
}

/**
 * How much a verdict reporter's word counts, by how this node judges the reporter: nothing from a
 * throttled or banned one, a tenth of a first-hand event from one on probation (a fresh identity
 * costs nothing), a quarter from a neutral one, half from a trusted one.
 */
export function reporterWeight (reporter: PeerState): number {
  return { banned: 0, throttled: 0, probation: 0.1, neutral: 0.25, trusted: 0.5 }[reporter]
}

/**
 * The record after a second-hand action (a verdict): its delta times the reporter's weight, never
 * more than the cap per reporter, and never more than the total cap from all reporters together.
 */
export function applyVerdict (record: PeerRecord, action: PeerAction, reporter: string, reporterState: PeerState, now: number, settings: ReputationSettings = DEFAULT_REPUTATION): PeerRecord {
  const already = record.secondHand[reporter] ?? 0
  const total = record.secondHandTotal ?? 0
  const wanted = ACTION_DELTAS[action] * reporterWeight(reporterState)
  const perReporter = clamp(already + wanted, settings.secondHandCap) - already
  const applied = clamp(total + perReporter, settings.secondHandTotalCap) - total
  const secondHand = { ...record.secondHand, [reporter]: already + applied }
  const keys = Object.keys(secondHand)
  // Forget the oldest reporters past the bound (their effect on the score stays; only the cap
  // bookkeeping of a reporter that comes back starts over).
  for (const key of keys.slice(0, Math.max(0, keys.length - settings.secondHandReporters))) delete secondHand[key]
  return withBan({
    ...record,
    score: clamp(decayedScore(record, now, settings) + applied, settings.max),
    updatedAt: now,
    secondHand,
    secondHandTotal: total + applied
  }, now, settings)
}

/** A record made from verdicts alone: no first-hand event of this node's own. Such records have a bound of their own. */
export function isHearsayOnly (record: PeerRecord): boolean {
  return Object.keys(record.counts).length === 0
}

/**
 * Where a record stands when a full table drops some (lowest first, compared as tuples): records
 * of peers that only sent messages before those of peers that did work, then the ones whose score
 * is nearest neutral and with the fewest verified results (they tell this node the least).
 */
export function evictionRank (record: PeerRecord, now: number, settings: ReputationSettings = DEFAULT_REPUTATION): [number, number] {
  const worked = Object.keys(record.counts).some(action => WORK_ACTIONS.has(action as PeerAction))
  return [worked ? 1 : 0, Math.abs(decayedScore(record, now, settings)) + record.verified]
}

/** What a score (and a record of verified results, and a ban still running) means for how a peer is treated. */
export function scoreToState (score: number, verified: number, settings: ReputationSettings = DEFAULT_REPUTATION, banned = false): PeerState {
  if (banned || score <= settings.bannedAt) return 'banned'
  if (score <= settings.throttledAt) return 'throttled'
  if (verified < settings.probationVerified) return 'probation'
  if (score >= settings.trustedScore && verified >= settings.trustedVerified) return 'trusted'
  return 'neutral'
}

/**
 * The chance that an owner re-runs an accepted result (redundancy 1) on another peer: always on
 * probation, then 1/(1 + 2 × verified), falling as the peer's record of verified results grows
 * (BOINC's adaptive replication), never below the floor (5 %; 2 % once `trusted`); a throttled
 * peer is always checked. It was 1/(1 + verified/2) with one 5 % floor until the sixth session of
 * issue 13: honest workers with a record of 120 tasks then spent 5–9 % of their runs on checks.
 */
export function spotCheckProbability (state: PeerState, verified: number, settings: ReputationSettings = DEFAULT_REPUTATION): number {
  if (state === 'probation' || state === 'throttled' || state === 'banned') return 1
  return Math.max(state === 'trusted' ? settings.trustedSpotCheckFloor : settings.spotCheckFloor, 1 / (1 + 2 * verified))
}

/** The gossipsub application score (P5): 0 for peers in good standing, negative below, graylisting when banned. */
export function gossipScoreOf (state: PeerState, score: number): number {
  if (state === 'banned') return -5000
  return Math.min(0, score) * 5
}
