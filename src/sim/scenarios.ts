import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import type { Role } from './cluster.js'

/**
 * Fault schedules. A scenario decides the roles of the workers (liars, slow ones) and a list of
 * timed fault events; all of it drawn from the seed, so the same seed gives the same run plan.
 */

export const SCENARIOS = ['baseline', 'crash', 'hang', 'liars', 'churn', 'partition', 'owner-restart', 'chaos', 'adversarial'] as const
export type Scenario = typeof SCENARIOS[number]

export type FaultType = 'crash' | 'restart' | 'hang' | 'resume' | 'partition' | 'heal' | 'owner-crash' | 'owner-restart' | 'leave' | 'join'

export interface FaultEvent {
  /** Milliseconds after the workload starts. */
  at: number
  type: FaultType
  /** Index into the workers (not used for owner and join events). */
  target: number
}

export interface Plan {
  roles: Role[]
  events: FaultEvent[]
  /** Replicas per task, unless the user chose. */
  redundancy: number
}

export interface Random {
  float: () => number
  int: (from: number, to: number) => number
}

export function seeded (seed: number): Random {
  const rng = xoroshiro128plus(seed)
  return { float: () => uniformFloat64(rng), int: (from, to) => uniformInt(rng, from, to) }
}

/**
 * The plan for `workers` workers over a fault window of `windowMs`. Outages last long enough
 * (≥ 2 lease TTLs) that the owner must reclaim leases, and end well before the window does.
 * `attackers` of the workers are hostile (adversarial scenario only): a third of them (at least
 * one of two or more) liars, the rest wire attackers; they take the last places without drawing
 * from `random`, so the same seed without attackers gets the same workload.
 */
export function plan (scenario: Scenario, workers: number, windowMs: number, leaseTtlMs: number, random: Random, attackers = 0): Plan {
  const roles: Role[] = Array.from({ length: workers }, () => 'worker')
  const events: FaultEvent[] = []
  const outage = Math.max(3 * leaseTtlMs, 3000)
  const at = (from: number, to: number): number => Math.round(windowMs * (from + (to - from) * random.float()))
  const pick = (taken: Set<number>): number => {
    const free = roles.map((_, i) => i).filter(i => !taken.has(i) && roles[i] === 'worker')
    const choice = free[random.int(0, Math.max(0, free.length - 1))] ?? 0
    taken.add(choice)
    return choice
  }
  const taken = new Set<number>()
  const crash = (): void => { const t = at(0.1, 0.4); const w = pick(taken); events.push({ at: t, type: 'crash', target: w }, { at: t + outage, type: 'restart', target: w }) }
  const hang = (): void => { const t = at(0.2, 0.5); const w = pick(taken); events.push({ at: t, type: 'hang', target: w }, { at: t + outage, type: 'resume', target: w }) }
  const partition = (): void => { const t = at(0.3, 0.6); const w = pick(taken); events.push({ at: t, type: 'partition', target: w }, { at: t + outage, type: 'heal', target: w }) }
  const ownerRestart = (): void => { const t = at(0.4, 0.6); events.push({ at: t, type: 'owner-crash', target: -1 }, { at: t + 2000, type: 'owner-restart', target: -1 }) }
  const churn = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const t = at(0.1, 0.7)
      events.push({ at: t, type: 'leave', target: pick(taken) }, { at: t + 500, type: 'join', target: -1 })
    }
  }
  const liars = (count: number): void => { for (let i = 0; i < count; i++) roles[pick(taken)] = 'liar' }
  let redundancy = 1
  switch (scenario) {
    case 'baseline': break
    case 'crash': for (let i = 0; i < Math.max(1, Math.floor(workers / 5)); i++) crash(); break
    case 'hang': hang(); break
    case 'liars': liars(Math.max(1, Math.floor(workers / 5))); redundancy = 3; break
    case 'churn': churn(Math.max(1, Math.floor(workers / 3))); break
    case 'partition': for (let i = 0; i < Math.max(1, Math.floor(workers / 3)); i++) partition(); break
    case 'owner-restart': ownerRestart(); break
    case 'adversarial': {
      const liarCount = attackers >= 2 ? Math.max(1, Math.floor(attackers / 3)) : 0
      for (let i = 0; i < attackers; i++) roles[workers - 1 - i] = i < liarCount ? 'liar' : 'attacker'
      redundancy = 3
      break
    }
    case 'chaos':
      liars(1)
      roles[pick(taken)] = 'slow'
      crash()
      hang()
      partition()
      ownerRestart()
      redundancy = 3
      break
  }
  events.sort((a, b) => a.at - b.at)
  return { roles, events, redundancy }
}
