/**
 * How a worker judges the owners it claims from by whether they answer. An owner that has never
 * answered this worker's claims is unproven: a claim to it is a probe — a few at a time, holding
 * no slot, given up quickly — so strangers that announce work and never grant it cannot take a
 * worker's slots. An owner that leaves a claim unanswered is not claimed from again for a while
 * (30 s, doubling to 10 min), until it answers. Pure apart from the time passed in; bounded.
 */

export interface OwnerStandingSettings {
  /** A claim to a proven owner not answered within this is given up. */
  claimTimeoutMs: number
  /** A probe (a claim to an owner that never answered) not answered within this is given up. */
  probeTimeoutMs: number
  silenceBaseMs: number
  silenceMaxMs: number
  maxOwners: number
}

export const DEFAULT_OWNER_STANDING: OwnerStandingSettings = {
  claimTimeoutMs: 3000,
  probeTimeoutMs: 1500,
  silenceBaseMs: 30_000,
  silenceMaxMs: 600_000,
  maxOwners: 10_000
}

interface Standing {
  answered: boolean
  /** Unanswered claims in a row. */
  silences: number
  silentUntil: number
}

export class OwnerStanding {
  private readonly owners = new Map<string, Standing>()
  readonly settings: OwnerStandingSettings

  constructor (settings: Partial<OwnerStandingSettings> = {}) {
    this.settings = { ...DEFAULT_OWNER_STANDING, ...settings }
  }

  /** The owner answered a claim (a grant or a refusal): it is proven, and forgiven. */
  answered (owner: string): void {
    const standing = this.entry(owner)
    standing.answered = true
    standing.silences = 0
    standing.silentUntil = 0
  }

  /** The owner left a claim unanswered: no claims to it until its silence ends. */
  ignored (owner: string, now: number): void {
    const standing = this.entry(owner)
    standing.silences++
    standing.silentUntil = now + Math.min(this.settings.silenceMaxMs, this.settings.silenceBaseMs * 2 ** (standing.silences - 1))
  }

  /**
   * A connection to the owner opened: one that answered before is asked again at once (an owner
   * that restarted left requests unanswered while it was down). Its count of silences stays, so
   * leaving the next request unanswered silences it for twice as long.
   */
  reconnected (owner: string): void {
    const standing = this.owners.get(owner)
    if (standing?.answered === true) standing.silentUntil = 0
  }

  proven (owner: string): boolean {
    return this.owners.get(owner)?.answered === true
  }

  /** Whether this worker claims from the owner now. */
  available (owner: string, now: number): boolean {
    return (this.owners.get(owner)?.silentUntil ?? 0) <= now
  }

  claimTimeout (owner: string): number {
    return this.proven(owner) ? this.settings.claimTimeoutMs : this.settings.probeTimeoutMs
  }

  private entry (owner: string): Standing {
    let standing = this.owners.get(owner)
    if (standing == null) {
      if (this.owners.size >= this.settings.maxOwners) this.owners.delete(this.owners.keys().next().value as string)
      standing = { answered: false, silences: 0, silentUntil: 0 }
      this.owners.set(owner, standing)
    }
    return standing
  }
}
