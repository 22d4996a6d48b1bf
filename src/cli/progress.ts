import type { CliIo } from './context.js'

/** What a wait shows: how far it is, its tasks by state, and the commonest reason the unfinished ones wait. */
export interface Progress {
  done: number
  total: number
  /** Tasks by state (only states with tasks need be given). */
  counts: Record<string, number>
  waiting?: { reason: string, tasks: number } | null
}

const ORDER = ['succeeded', 'failed', 'cancelled', 'leased', 'verifying', 'pending']
/** Without a terminal, a line that changed only in its figures is written at most this often. */
const QUIET_MS = 30_000
/** Without a terminal, nothing is written for a wait shorter than this: quick tasks leave no lines. */
const FIRST_LINE_AFTER_MS = 5_000

export function progressText ({ done, total, counts, waiting }: Progress): string {
  const states = Object.entries(counts).filter(([, n]) => n > 0)
    .sort(([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99))
    .map(([state, n]) => `${n} ${state}`).join(', ')
  const why = waiting != null ? ` · waiting: ${waiting.reason}${total > 1 ? ` (${waiting.tasks} task${waiting.tasks === 1 ? '' : 's'})` : ''}` : ''
  return `${done}/${total} done (${states})${why}`
}

/**
 * The line a wait draws on stderr. On a terminal it is redrawn in place, after a bar for a
 * batch. Elsewhere (a log, a pipe), once the wait has lasted 5 s, a line is written when what it
 * says changes: other states or another reason at once, new figures alone at most every 30 s.
 */
export class ProgressLine {
  private lastShape = ''
  private lastText = ''
  private lastAt = -Infinity
  private drawn = false
  private readonly startedAt: number

  constructor (private readonly io: CliIo, private readonly now: () => number = Date.now) {
    this.startedAt = now()
  }

  update (progress: Progress): void {
    const text = progressText(progress)
    if (this.io.stderr.isTTY === true) {
      const width = 30
      const filled = Math.round((progress.done / Math.max(1, progress.total)) * width)
      const bar = progress.total > 1 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : ''
      this.io.stderr.write(`\r${bar}${text}\x1b[K`)
      this.drawn = true
      return
    }
    // The shape: which states have tasks, and why they wait, without the figures.
    const shape = `${Object.entries(progress.counts).filter(([, n]) => n > 0).map(([s]) => s).sort().join(',')}|${progress.waiting?.reason ?? ''}`
    // What finished is said by the lines after the wait.
    if (text === this.lastText || progress.done >= progress.total || this.now() - this.startedAt < FIRST_LINE_AFTER_MS) return
    if (shape === this.lastShape && this.now() - this.lastAt < QUIET_MS) return
    this.io.stderr.write(`mesh-node: ${text}\n`)
    this.lastShape = shape
    this.lastText = text
    this.lastAt = this.now()
  }

  /** Ends the line drawn on a terminal. */
  end (): void {
    if (this.drawn) this.io.stderr.write('\n')
    this.drawn = false
  }
}

/** The commonest of some reasons, with how many gave it. */
export function commonest (reasons: Iterable<string | null | undefined>): { reason: string, tasks: number } | null {
  const tally = new Map<string, number>()
  for (const reason of reasons) if (reason != null && reason !== '') tally.set(reason, (tally.get(reason) ?? 0) + 1)
  let best: { reason: string, tasks: number } | null = null
  for (const [reason, tasks] of tally) if (best == null || tasks > best.tasks) best = { reason, tasks }
  return best
}
