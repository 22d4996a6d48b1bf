/**
 * Replicas' results as votes: an output (by its hash) or a permanent failure. Replicas of a
 * deterministic task that ran honestly cast the same vote; the owner takes a strict majority.
 */

export interface Vote {
  outputHash: string
  failed: boolean
}

export interface Tally {
  /** The vote cast most often (the first to reach that count on a tie), or undefined with no votes. */
  winner?: Vote
  votes: number
  /** Counts, largest first, e.g. "2/1", for the trail. */
  counts: string
}

/** Counts the votes of the replicas that are done. */
export function tally (replicas: ReadonlyArray<{ outputHash?: string, failed?: boolean }>): Tally {
  const counts = new Map<string, { vote: Vote, n: number }>()
  for (const r of replicas) {
    if (r.outputHash == null) continue
    const vote = { outputHash: r.outputHash, failed: r.failed === true }
    const key = `${vote.failed ? 'failed' : 'output'}:${vote.outputHash}`
    const entry = counts.get(key) ?? { vote, n: 0 }
    entry.n++
    counts.set(key, entry)
  }
  const sorted = [...counts.values()].sort((a, b) => b.n - a.n)
  return { ...(sorted[0] != null ? { winner: sorted[0].vote } : {}), votes: sorted[0]?.n ?? 0, counts: sorted.map(e => e.n).join('/') }
}
