import { describe, expect, it } from 'vitest'
import { DEFAULT_REPUTATION, applyAction, applyVerdict, decayedScore, gossipScoreOf, newRecord, scoreToState, spotCheckProbability, type PeerAction, type PeerRecord } from '../../../src/reputation/table.js'
import { Reputation } from '../../../src/reputation/reputation.js'
import { ManualClock } from '../../helpers/manual-clock.js'

const T0 = 1_700_000_000_000
const HOUR = 3_600_000
const apply = (record: PeerRecord, actions: PeerAction[], at = T0): PeerRecord => actions.reduce((r, a) => applyAction(r, a, at), record)
const state = (r: PeerRecord, at = T0): string => scoreToState(decayedScore(r, at), r.verified, DEFAULT_REPUTATION, (r.bannedUntil ?? 0) > at)

describe('reputation table', () => {
  it('new peers start on probation and leave it with verified results', () => {
    const fresh = newRecord(T0)
    expect(state(fresh)).toBe('probation')
    expect(state(apply(fresh, ['verified_success', 'verified_success']))).toBe('probation')
    expect(state(apply(fresh, ['verified_success', 'verified_success', 'verified_success']))).toBe('neutral')
    expect(state(apply(fresh, Array<PeerAction>(10).fill('verified_success')))).toBe('trusted')
  })

  it('one misreport bans a peer; four expired leases throttle one', () => {
    expect(state(apply(newRecord(T0), ['misreport']))).toBe('banned')
    expect(state(apply(newRecord(T0), ['task_failure', 'task_failure']))).toBe('probation')
    expect(state(apply(newRecord(T0), ['lease_expired', 'lease_expired', 'lease_expired']))).toBe('probation')
    expect(state(apply(newRecord(T0), ['lease_expired', 'lease_expired', 'lease_expired', 'lease_expired']))).toBe('throttled')
  })

  it('scores decay toward neutral: an honest peer that had a crash recovers as time passes', async () => {
    const clock = new ManualClock(T0)
    const reputation = new Reputation({ clock })
    for (let i = 0; i < 5; i++) reputation.report('honest', 'verified_success', '')
    for (let i = 0; i < 8; i++) reputation.report('honest', 'lease_expired', 'it crashed')
    expect(reputation.stateOf('honest')).toBe('throttled')
    await clock.advance(HOUR / 2)
    expect(reputation.stateOf('honest')).toBe('throttled')
    await clock.advance(HOUR)
    expect(reputation.stateOf('honest')).toBe('neutral')
    expect(reputation.score('honest')).toBeCloseTo(-30 * 0.5 ** 1.5, 5)
    // A ban lasts its period (an hour), then the decayed score decides.
    reputation.report('liar', 'misreport', '')
    expect(reputation.stateOf('liar')).toBe('banned')
    await clock.advance(HOUR - 1)
    expect(reputation.stateOf('liar')).toBe('banned')
    await clock.advance(1)
    expect(reputation.stateOf('liar')).toBe('throttled')
    await clock.advance(2 * HOUR)
    expect(reputation.stateOf('liar')).toBe('probation')
  })

  it('the spot-check rate falls as a peer builds a record, to a floor (lower once trusted); probation is always checked', async () => {
    const clock = new ManualClock(T0)
    const reputation = new Reputation({ clock })
    const rates: number[] = []
    for (let i = 0; i < 60; i++) {
      rates.push(reputation.spotCheckProbability('p'))
      reputation.report('p', 'verified_success', '')
      await clock.advance(60_000)
    }
    expect(rates.slice(0, 3)).toEqual([1, 1, 1])
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1] as number)
    expect(reputation.stateOf('p')).toBe('trusted')
    expect(rates.at(-1)).toBe(DEFAULT_REPUTATION.trustedSpotCheckFloor)
    expect(spotCheckProbability('neutral', 3)).toBeCloseTo(1 / 7)
    expect(spotCheckProbability('neutral', 100)).toBe(DEFAULT_REPUTATION.spotCheckFloor)
    expect(spotCheckProbability('trusted', 10)).toBeCloseTo(1 / 21)
    expect(spotCheckProbability('trusted', 100)).toBe(DEFAULT_REPUTATION.trustedSpotCheckFloor)
    expect(spotCheckProbability('throttled', 100)).toBe(1)
  })

  it('second-hand verdicts count weighted by the reporter, never past the cap per reporter nor the total cap', () => {
    let subject = newRecord(T0)
    for (let i = 0; i < 20; i++) subject = applyVerdict(subject, 'misreport', 'loud-owner', 'neutral', T0)
    expect(subject.score).toBe(-DEFAULT_REPUTATION.secondHandCap)
    // A throttled reporter's word counts for nothing; a fresh identity's (probation) for a tenth.
    expect(applyVerdict(newRecord(T0), 'misreport', 'bad-owner', 'throttled', T0).score).toBe(0)
    expect(applyVerdict(newRecord(T0), 'misreport', 'fresh', 'probation', T0).score).toBe(-5)
    expect(applyVerdict(newRecord(T0), 'misreport', 'trusted', 'trusted', T0).score).toBe(-10)
    // Many throwaway reporters together stay under the throttle line: hearsay alone never throttles.
    let framed = newRecord(T0)
    for (let i = 0; i < 50; i++) framed = applyVerdict(framed, 'misreport', `sybil${i}`, 'probation', T0)
    expect(framed.score).toBe(-DEFAULT_REPUTATION.secondHandTotalCap)
    expect(scoreToState(framed.score, 5)).toBe('neutral')
    expect(Object.keys(framed.secondHand).length).toBeLessThanOrEqual(DEFAULT_REPUTATION.secondHandReporters)
  })

  it('a misreport wipes the record of verified results: after its ban a liar is back on probation', () => {
    const record = apply(newRecord(T0), [...Array<PeerAction>(40).fill('verified_success'), 'misreport'])
    expect(record.verified).toBe(0)
    expect(scoreToState(0, record.verified)).toBe('probation')
  })

  it('maps states to gossipsub application scores: banned peers are graylisted, good ones get nothing extra', () => {
    expect(gossipScoreOf('banned', -80)).toBeLessThan(-2500)
    expect(gossipScoreOf('trusted', 50)).toBe(0)
    expect(gossipScoreOf('throttled', -30)).toBe(-150)
  })

  it('ignores itself, persists through its store, and bounds its table', () => {
    const saved = new Map<string, PeerRecord>()
    const store = {
      loadReputation: () => new Map(saved),
      saveReputation: (entries: Array<[string, PeerRecord]>) => { for (const [p, r] of entries) saved.set(p, r) },
      deleteReputation: (peers: string[]) => { for (const p of peers) saved.delete(p) }
    }
    const clock = new ManualClock(T0)
    const reputation = new Reputation({ clock, maxRecords: 10 })
    reputation.attach(store, 'me')
    reputation.report('me', 'misreport', '')
    expect(reputation.stateOf('me')).toBe('trusted')
    reputation.report('liar', 'misreport', '')
    reputation.report('liar', 'misreport', '')
    for (let i = 0; i < 50; i++) reputation.report(`sybil${i}`, 'task_failure', '')
    expect(reputation.list().length).toBeLessThanOrEqual(10)
    expect(reputation.stateOf('liar')).toBe('banned')
    reputation.detach()
    // Evicted records leave the store too.
    expect(saved.size).toBeLessThanOrEqual(10)
    // A restarted node remembers.
    const again = new Reputation({ clock })
    again.attach(store, 'me')
    expect(again.stateOf('liar')).toBe('banned')
    again.detach()
  })
})
