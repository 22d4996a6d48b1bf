import type { AdversaryReport } from './adversary.js'
import type { FaultEvent } from './scenarios.js'
import type { TaskView } from '../tasks/owner.js'

/**
 * The simulation's report: figures computed from the owner's task trails (report.json, field
 * names documented in the README) and a self-contained page with charts (report.html: inline SVG,
 * no scripts, no network).
 */

export interface PeerReport {
  peerId: string
  name: string
  role: string
  /** The owner's judgement at the end (trusted, neutral, probation, throttled, banned), and whether it still ran. */
  finalState: string
  running: boolean
}

export interface SimReport {
  scenario: string
  seed: number
  nodes: number
  inProcess: boolean
  kind: string
  redundancy: number
  leaseTtlMs: number
  /** The whole run: start-up, the workload and reading every task's outcome back. */
  durationMs: number
  /** Starting the nodes until the owner saw every worker alive (or gave up waiting, after 60 s). */
  startupMs: number
  /** The workload: from the first submission until the last task finished (null if none did). */
  batchMs: number | null
  tasks: {
    submitted: number
    succeeded: number
    failed: number
    cancelled: number
    /** Not finished when the simulation ended. */
    unfinished: number
    /** Succeeded with an output other than the expected one. */
    wrongAccepted: number
    /** Attempts whose work was thrown away and done again: leases that expired or were released. */
    duplicateExecutions: number
  }
  /** From a fault taking a worker away (crash, hang, partition, leave) to the re-grant of each lease it held. */
  reclaimMs: { p50: number | null, p99: number | null, max: number | null, count: number }
  /** Submit to success. */
  latencyMs: { p50: number | null, p99: number | null }
  throughputPerSec: number | null
  faults: Array<FaultEvent & { name: string, atMs: number }>
  peers: PeerReport[]
  /** Completed tasks per second since the workload started. */
  completedOverTime: Array<{ t: number, succeeded: number }>
  /** The owner's score for each peer, sampled about once a second. */
  reputationOverTime: Array<{ t: number, scores: Record<string, number> }>
  /** Adversarial scenario only. */
  adversary?: AdversaryReport
}

export function percentile (values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

const GRANT = /^replica (\d+) granted to (\S+) \(epoch (\d+)/
const END_OF = (replica: string, worker: string): RegExp => new RegExp(`^(replica ${replica} (succeeded|failed) on ${worker}|lease of replica ${replica} held by ${worker}|replica ${replica} released by ${worker})`)

/**
 * Reclaim times: for each fault that took worker W away at time T, each replica whose lease W
 * held at T (granted before T, not ended before T) until its next grant to another worker.
 * Read from the tasks' trails (the reasons the lifecycle reducer writes).
 */
export function reclaimTimes (tasks: TaskView[], outages: Array<{ peerId: string, at: number }>): number[] {
  const times: number[] = []
  for (const task of tasks) {
    for (const { peerId, at } of outages) {
      const history = task.history
      for (let i = 0; i < history.length; i++) {
        const entry = history[i]
        const grant = entry == null ? null : GRANT.exec(entry.reason)
        if (entry == null || grant == null || grant[2] !== peerId || entry.at > at) continue
        const replica = grant[1] as string
        const ended = history.slice(i + 1).find(h => END_OF(replica, peerId).test(h.reason))
        if (ended != null && ended.at <= at) continue
        const next = history.slice(i + 1).find(h => h.at >= at && GRANT.exec(h.reason)?.[1] === replica)
        if (next != null) times.push(next.at - at)
      }
    }
  }
  return times
}

const escape = (text: string): string => text.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)

interface Series { name: string, points: Array<[number, number]> }

/** A line chart as inline SVG, with optional vertical markers (fault events). */
function lineChart (title: string, series: Series[], xLabel: string, yLabel: string, markers: Array<{ x: number, label: string }> = []): string {
  const width = 760
  const height = 280
  const pad = { left: 56, right: 150, top: 28, bottom: 40 }
  const xs = series.flatMap(s => s.points.map(p => p[0])).concat(markers.map(m => m.x))
  const ys = series.flatMap(s => s.points.map(p => p[1]))
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1, ...xs)]
  const [y0, y1] = [Math.min(0, ...ys), Math.max(1, ...ys)]
  const px = (x: number): number => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right)
  const py = (y: number): number => height - pad.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - pad.top - pad.bottom)
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${colors[i % colors.length] as string}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>` +
    `<text x="${width - pad.right + 8}" y="${pad.top + 14 * i}" font-size="11" fill="${colors[i % colors.length] as string}">${escape(s.name)}</text>`).join('')
  const marks = markers.map(m => `<line x1="${px(m.x).toFixed(1)}" x2="${px(m.x).toFixed(1)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#999" stroke-dasharray="3,3"/>` +
    `<text x="${(px(m.x) + 2).toFixed(1)}" y="${pad.top - 4}" font-size="9" fill="#555" transform="rotate(-20 ${px(m.x).toFixed(1)} ${pad.top - 4})">${escape(m.label)}</text>`).join('')
  const axes = `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#333"/>` +
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#333"/>` +
    `<text x="${pad.left}" y="${height - 8}" font-size="11">${escape(xLabel)}: ${x0.toFixed(0)} – ${x1.toFixed(0)}</text>` +
    `<text x="4" y="${pad.top - 10}" font-size="11">${escape(yLabel)}: ${y0.toFixed(0)} – ${y1.toFixed(0)}</text>`
  return `<h2>${escape(title)}</h2><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">${axes}${marks}${lines}</svg>`
}

/** A histogram as inline SVG. */
function histogram (title: string, values: number[], bins = 20): string {
  if (values.length === 0) return `<h2>${escape(title)}</h2><p>no data</p>`
  const min = Math.min(...values)
  const max = Math.max(...values)
  const step = (max - min) / bins || 1
  const counts = new Array<number>(bins).fill(0)
  for (const v of values) { const bin = Math.min(bins - 1, Math.floor((v - min) / step)); counts[bin] = (counts[bin] ?? 0) + 1 }
  const width = 760
  const height = 220
  const top = Math.max(...counts)
  const barWidth = (width - 60) / bins
  const bars = counts.map((c, i) => {
    const h = (c / top) * (height - 50)
    return `<rect x="${(50 + i * barWidth).toFixed(1)}" y="${(height - 30 - h).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#1f77b4"><title>${(min + i * step).toFixed(0)}–${(min + (i + 1) * step).toFixed(0)} ms: ${c}</title></rect>`
  }).join('')
  return `<h2>${escape(title)}</h2><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${bars}` +
    `<text x="50" y="${height - 10}" font-size="11">${min.toFixed(0)} ms</text><text x="${width - 80}" y="${height - 10}" font-size="11">${max.toFixed(0)} ms</text>` +
    `<text x="4" y="14" font-size="11">tasks (max ${top} per bin)</text></svg>`
}

const table = (rows: string[][]): string => `<table>${rows.map(cells => `<tr>${cells.map((c, i) => i === 0 ? `<th>${escape(c)}</th>` : `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</table>`

function adversaryHtml (a: AdversaryReport): string {
  const { latencyP50Ms: p50 } = a
  const rows = [
    ['attackers', `${a.attackers} (${a.liars} liars, ${a.attackers - a.liars} wire attackers: ${a.mounted.join(', ')})`],
    ['tasks correct / wrong / lost', `${a.tasks.correct} / ${a.tasks.wrong} / ${a.tasks.lost}`],
    ['inputs leaked', String(a.inputsLeaked)],
    ['honest peers throttled or banned by an honest node', String(a.honestPunished)],
    ['lowest score of an honest peer on an honest node', a.honestLowest == null ? '-' : `${a.honestLowest.score} (${a.honestLowest.peer} on ${a.honestLowest.judge}: ${JSON.stringify(a.honestLowest.counts)})`],
    ['attackers throttled or banned by an honest node', `${a.attackersGraylisted} of ${a.attackers}`],
    ['phantom peers alive on the owner (most at once)', String(a.phantomPeersAlive)],
    ['phantom peers counted as capacity on the owner (most at once)', String(a.phantomPeersCounted)],
    ['honest p50 latency with / without attackers', `${p50.withAttackers ?? '-'} / ${p50.withoutAttackers ?? '-'} ms${p50.ratio != null ? ` (×${p50.ratio})` : ''}`]
  ]
  const attacks = [...Object.entries(a.attacks), ...Object.entries(a.refusals).map(([code, n]) => [`refused ${code}`, n])].map(([k, v]) => [String(k), String(v)])
  const leaks = a.leaks.map(l => [l.attacker, l.inputHash, l.via])
  const punished = a.punished.map(p => [p.judge, p.peer, p.state, String(p.score)])
  const judged = a.peers.map(p => [p.name, p.role, `banned by ${p.bannedBy}, throttled by ${p.throttledBy}`, String(p.lowestScore ?? '-')])
  return `<h2>Adversaries</h2>${table(rows)}<h3>Attacks mounted</h3>${table(attacks)}` +
    (leaks.length > 0 ? `<h3>Leaks</h3>${table([['attacker', 'input hash', 'how'], ...leaks])}` : '') +
    (punished.length > 0 ? `<h3>Honest peers punished</h3>${table([['judge', 'peer', 'state', 'score'], ...punished])}` : '') +
    `<h3>Attackers as honest nodes judge them</h3>${table([['name', 'role', 'states', 'lowest score'], ...judged])}`
}

export function reportHtml (report: SimReport, latencies: number[]): string {
  const faults = report.faults.map(f => ({ x: f.atMs / 1000, label: `${f.type} ${f.name}` }))
  const completed = lineChart('Tasks completed over time (dashed: faults)', [{ name: 'succeeded', points: report.completedOverTime.map(p => [p.t, p.succeeded]) }], 'seconds', 'tasks', faults)
  const names = new Map(report.peers.map(p => [p.peerId, `${p.name} (${p.role})`]))
  const peers = [...new Set(report.reputationOverTime.flatMap(s => Object.keys(s.scores)))]
  const reputation = lineChart('Reputation on the owner over time', peers.map(peer => ({
    name: names.get(peer) ?? peer.slice(-8),
    points: report.reputationOverTime.filter(s => s.scores[peer] != null).map(s => [s.t, s.scores[peer] as number])
  })), 'seconds', 'score', faults)
  const { tasks } = report
  const rows = [
    ['scenario', report.scenario], ['seed', String(report.seed)], ['nodes', `${report.nodes}${report.inProcess ? ' (in one process)' : ' (processes)'}`],
    ['kind / redundancy', `${report.kind} / ${report.redundancy}`], ['duration', `${(report.durationMs / 1000).toFixed(1)} s (start-up ${(report.startupMs / 1000).toFixed(1)} s, batch ${report.batchMs != null ? (report.batchMs / 1000).toFixed(1) : '-'} s)`],
    ['tasks', `${tasks.submitted} submitted, ${tasks.succeeded} succeeded, ${tasks.failed} failed, ${tasks.unfinished} unfinished`],
    ['wrong results accepted', String(tasks.wrongAccepted)], ['duplicate executions', String(tasks.duplicateExecutions)],
    ['reclaim p50 / p99 / max', `${report.reclaimMs.p50 ?? '-'} / ${report.reclaimMs.p99 ?? '-'} / ${report.reclaimMs.max ?? '-'} ms (lease TTL ${report.leaseTtlMs} ms)`],
    ['latency p50 / p99', `${report.latencyMs.p50 ?? '-'} / ${report.latencyMs.p99 ?? '-'} ms`], ['throughput', `${report.throughputPerSec?.toFixed(2) ?? '-'} tasks/s`]
  ].map(([k, v]) => `<tr><th>${escape(k as string)}</th><td>${escape(v as string)}</td></tr>`).join('')
  const adversary = report.adversary == null ? '' : adversaryHtml(report.adversary)
  const peerRows = report.peers.map(p => `<tr><td>${escape(p.name)}</td><td>${escape(p.role)}</td><td>${escape(p.finalState)}</td><td>${p.running ? 'running' : 'gone'}</td><td><code>${escape(p.peerId)}</code></td></tr>`).join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>mesh-node simulation: ${escape(report.scenario)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:900px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px}</style></head>
<body><h1>mesh-node simulation: ${escape(report.scenario)}</h1><table>${rows}</table>
${adversary}${completed}${histogram('Latency, submit to success', latencies)}${reputation}
<h2>Peers</h2><table><tr><th>name</th><th>role</th><th>owner's judgement</th><th>at the end</th><th>peer id</th></tr>${peerRows}</table>
</body></html>`
}
