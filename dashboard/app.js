// The mesh-node dashboard (issue 15): plain JavaScript served by the node's API, no build step,
// nothing loaded from elsewhere. Status and peers are open to any local process; tasks, charts and
// reputation need the API token, which `mesh-node dashboard` puts in the URL's fragment (never
// sent to the server): the page keeps it for this tab (sessionStorage), removes it from the
// address bar, and sends it as an Authorization header, on the event stream too (read with
// fetch, not EventSource, which cannot send headers).

const $ = id => document.getElementById(id)
const TASK_PAGE = 20

const token = (() => {
  const found = /(?:^#|&)token=([0-9a-f]{64})/.exec(location.hash)
  if (found != null) {
    sessionStorage.setItem('mesh-node-token', found[1])
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem('mesh-node-token')
})()

async function api (path, init = {}) {
  const headers = { ...(init.headers ?? {}) }
  if (token != null) headers.authorization = `Bearer ${token}`
  const response = await fetch(path, { ...init, headers })
  if (response.status === 401) {
    sessionStorage.removeItem('mesh-node-token')
    throw new Error('the API token was refused (rotated?): enter the current one')
  }
  const text = await response.text()
  const body = text === '' ? undefined : JSON.parse(text)
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`)
  return { body, headers: response.headers }
}

function showError (err) {
  $('error').textContent = err == null ? '' : String(err.message ?? err)
  // A refused token (rotated since): ask for the current one.
  if (err != null && /token was refused/.test(String(err.message))) $('token-form').hidden = false
}

const short = id => id == null ? '' : id.length > 20 ? `${id.slice(0, 12)}…${id.slice(-4)}` : id
const ago = ms => ms == null ? '' : ms < 1000 ? `${ms} ms ago` : `${(ms / 1000).toFixed(1)} s ago`
const duration = ms => {
  const s = Math.floor(ms / 1000)
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor(s / 60) % 60}m` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`
}

function cell (row, text, className) {
  const td = row.insertCell()
  td.textContent = text
  if (className != null) td.className = className
  return td
}

// ---- status and peers (open) ----

let scores = new Map()

function renderStatus (status) {
  $('peer-id').textContent = status.peerId
  $('peer-id').title = status.addrs.join('\n')
  $('network').textContent = status.network + (status.privateNetwork ? ' (private)' : '')
  $('reachability').textContent = status.reachability + (status.relays.length > 0 ? ` (through ${status.relays.length} relays)` : '')
  $('version').textContent = status.version
  $('uptime').textContent = duration(status.uptimeMs)
  $('relay').textContent = status.relay == null ? 'off' : `serving ${status.relay.reservations} of ${status.relay.maxReservations} reservations`
  // Connections that failed, by reason: the first thing to look at when a peer never shows up.
  const failures = Object.entries({ ...status.failedDials }).map(([reason, n]) => `${n} dials: ${reason}`)
    .concat(Object.entries({ ...status.failedInbound }).map(([reason, n]) => `${n} inbound: ${reason}`))
  $('failures').textContent = failures.join('; ')
  $('failures-term').hidden = $('failures').hidden = failures.length === 0
}

function renderPeers (peers) {
  const body = $('peers').tBodies[0]
  body.replaceChildren()
  const kinds = new Set()
  for (const peer of peers) {
    const row = body.insertRow()
    row.dataset.peer = peer.peerId
    cell(row, short(peer.peerId), 'id').title = peer.peerId
    cell(row, peer.connected ? peer.connection ?? 'direct' : 'not connected')
    cell(row, peer.state, `state-${peer.state}`)
    const names = peer.capabilities.map(c => c.kind)
    for (const name of names) kinds.add(name)
    cell(row, names.join(', '))
    cell(row, peer.slots == null ? '' : `${peer.slots.free}/${peer.slots.total}`)
    cell(row, ago(peer.lastSeenMs))
    const score = scores.get(peer.peerId)
    cell(row, score == null ? '' : String(score.score) + (score.state !== 'neutral' ? ` (${score.state})` : ''))
  }
  $('peer-count').textContent = `${peers.filter(p => p.connected).length} connected, ${peers.length} known`
  $('kinds').replaceChildren(...[...kinds].sort().map(kind => Object.assign(document.createElement('option'), { value: kind })))
}

// ---- charts (token) ----

const samples = []
const HOUR = 3600

/** Where `v` goes on a chart's 120-unit-high face, for an axis from `low` to `high` (clamped). */
const yOf = (v, low, high) => (118 - (Math.min(high, Math.max(low, v)) - low) / (high - low) * 110).toFixed(1)

/**
 * One series as polylines, broken where it has no value (null): a gap, not a fall to zero. The
 * `connect` joins the points across gaps (latency: seconds with no task finished have none). The
 * x axis spans `span` seconds to now: the last 5 minutes while the history is shorter, up to the hour.
 */
function line (points, className, low, high, span, connect) {
  const n = points.length
  const runs = [[]]
  points.forEach((v, i) => {
    if (v == null) { if (!connect && runs.at(-1).length > 0) runs.push([]); return }
    runs.at(-1).push(`${((span - n + i) / (span - 1) * 360).toFixed(1)},${yOf(v, low, high)}`)
  })
  // A lone point (one second between gaps) as a short dash, so it shows.
  const dash = point => { const [x, y] = point.split(',').map(Number); return `${(x - 1.5).toFixed(1)},${y} ${(x + 1.5).toFixed(1)},${y}` }
  return runs.filter(run => run.length > 0).map(run => `<polyline class="${className}" points="${run.length === 1 ? dash(run[0]) : run.join(' ')}"/>`).join('')
}

const last = values => values.findLast(v => v != null)
/** A rate's legend: its total over the last minute (a second's count is mostly 0). */
const perMinute = values => values.slice(-60).reduce((sum, v) => sum + (v ?? 0), 0)
const figure = v => v == null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(1)

/**
 * A chart of the last hour (now at the right edge): its series, each named in the legend with its
 * latest value. Counts start at 0 and grow to fit; `range` fixes the axis (scores: -100..100).
 */
function chart (id, series, range) {
  const values = series.flatMap(s => s.values.filter(v => v != null))
  const low = range?.min ?? 0
  const high = range?.max ?? values.reduce((a, b) => Math.max(a, b), 1)
  const zero = low < 0 ? `<line class="zero" x1="0" x2="360" y1="${yOf(0, low, high)}" y2="${yOf(0, low, high)}"/>` : ''
  const span = Math.min(HOUR, Math.max(300, samples.length))
  const labels = `<text x="2" y="10">${figure(high)}</text><text x="2" y="117">${figure(low)}</text>` +
    `<text x="60" y="117">${span >= HOUR ? '−1 h' : `−${Math.round(span / 60)} min`}</text><text x="335" y="117">now</text>`
  $(id).innerHTML = zero + series.map(s => line(s.values, s.className, low, high, span, s.connect === true)).join('') + labels
  $(`${id}-legend`).replaceChildren(...series.map(s => Object.assign(document.createElement('span'), {
    className: `key ${s.className}`,
    textContent: s.rate === true ? `${s.name} ${perMinute(s.values)} in the last minute` : `${s.name} ${figure(last(s.values))}`
  })))
}

function renderCharts () {
  chart('chart-throughput', [
    { name: 'succeeded', values: samples.map(s => s.succeeded), className: 'a', rate: true },
    { name: 'failed', values: samples.map(s => s.failed), className: 'b', rate: true }
  ])
  chart('chart-latency', [
    { name: 'p50', values: samples.map(s => s.latencyP50), className: 'a', connect: true },
    { name: 'p99', values: samples.map(s => s.latencyP99), className: 'b', connect: true }
  ])
  chart('chart-peers', [
    { name: 'peers alive', values: samples.map(s => s.peersAlive), className: 'a' },
    { name: 'running here', values: samples.map(s => s.running), className: 'b' }
  ])
  chart('chart-scores', [
    { name: 'mean', values: samples.map(s => s.meanScore), className: 'a' },
    { name: 'lowest', values: samples.map(s => s.minScore ?? null), className: 'b' }
  ], { min: -100, max: 100 })
}

function addSample (sample) {
  samples.push(sample)
  if (samples.length > HOUR) samples.splice(0, samples.length - HOUR)
}

// ---- tasks (token) ----

const cursors = [undefined]
let page = 0
let selected = null

async function loadTasks () {
  const query = new URLSearchParams({ limit: String(TASK_PAGE) })
  const state = $('task-state').value
  if (state !== '') query.set('state', state)
  if (cursors[page] != null) query.set('cursor', cursors[page])
  const { body: tasks, headers } = await api(`/v1/tasks?${query}`)
  cursors[page + 1] = headers.get('next-cursor') ?? undefined
  $('page-next').disabled = cursors[page + 1] == null
  $('page-first').disabled = page === 0
  const tbody = $('tasks').tBodies[0]
  tbody.replaceChildren()
  for (const task of tasks) {
    const row = tbody.insertRow()
    row.dataset.task = task.id
    cell(row, short(task.id), 'id').title = task.id
    cell(row, task.state, `state state-${task.state}`)
    cell(row, task.kind)
    cell(row, String(task.attempts))
    // The lease holder while it runs; once it ran, the worker of its first replica.
    const lease = task.leases[0]
    const holder = lease?.holder ?? task.replicas[0]?.worker ?? null
    cell(row, short(holder)).title = holder ?? ''
    cell(row, lease != null ? String(lease.epoch) : task.replicas[0]?.epoch > 0 ? String(task.replicas[0].epoch) : '')
    const progress = task.replicas.map(r => r.progress).filter(p => p > 0)
    cell(row, progress.length === 0 ? '' : `${Math.round(Math.max(...progress))} %`)
    cell(row, new Date(task.createdAt).toLocaleTimeString())
    row.addEventListener('click', () => { selected = task.id; void loadDetail() })
  }
  const { body: stats } = await api('/v1/tasks/stats')
  $('task-counts').textContent = Object.entries(stats.counts).map(([s, n]) => `${n} ${s}`).join(', ')
}

async function loadDetail () {
  if (selected == null) return
  const { body: task } = await api(`/v1/tasks/${selected}`)
  $('task-detail').hidden = false
  $('detail-id').textContent = task.id
  $('detail-summary').textContent = `${task.state}, kind ${task.kind}, ${task.attempts} attempt(s), redundancy ${task.redundancy}` +
    (task.waiting != null ? `; waiting: ${task.waiting}` : '') + (task.error != null ? `; error: ${task.error}` : '')
  $('detail-history').replaceChildren(...task.history.map(h => Object.assign(document.createElement('li'), { textContent: `${new Date(h.at).toLocaleTimeString()} ${h.state}: ${h.reason}` })))
  const tbody = $('detail-replicas').tBodies[0]
  tbody.replaceChildren()
  for (const r of task.replicas) {
    const row = tbody.insertRow()
    cell(row, String(r.index) + (r.check ? ' (check)' : ''))
    cell(row, r.status)
    cell(row, short(r.worker)).title = r.worker ?? ''
    cell(row, String(r.epoch))
    cell(row, String(r.attempts))
    cell(row, `${Math.round(r.progress)} %`)
    cell(row, r.verdict ?? '')
  }
}

async function loadScores () {
  const { body } = await api('/v1/reputation')
  scores = new Map(body.map(r => [r.peerId, r]))
}

// ---- live updates: the event stream (token), or polling status and peers (no token) ----

async function follow () {
  const response = await fetch('/v1/events', { headers: { authorization: `Bearer ${token}` } })
  if (!response.ok || response.body == null) throw new Error(`event stream: HTTP ${response.status}`)
  $('live').textContent = 'yes'
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffered = ''
  let tick = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffered += value
    let end
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, end)
      buffered = buffered.slice(end + 2)
      const data = block.split('\n').filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n')
      if (data === '') continue
      const event = JSON.parse(data)
      renderStatus(event.status)
      renderPeers(event.peers)
      addSample(event.sample)
      renderCharts()
      // Scores move when results are judged: read them when tasks finished, else every 5 s.
      if (++tick % 5 === 0 || event.sample.succeeded + event.sample.failed > 0) void loadScores().catch(showError)
      void loadTasks().then(loadDetail).then(() => showError(null), showError)
    }
  }
  $('live').textContent = 'no'
}

async function pollOpen () {
  for (;;) {
    try {
      renderStatus((await api('/v1/status')).body)
      renderPeers((await api('/v1/peers')).body)
      showError(null)
    } catch (err) {
      showError(err)
    }
    await new Promise(resolve => setTimeout(resolve, 2000))
  }
}

function wire () {
  $('token-form').addEventListener('submit', event => {
    event.preventDefault()
    sessionStorage.setItem('mesh-node-token', $('token-input').value.trim())
    location.reload()
  })
  $('submit-form').addEventListener('submit', event => {
    event.preventDefault()
    const kind = $('submit-kind').value.trim()
    const input = $('submit-input').value
    api('/v1/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, input }) })
      .then(({ body }) => {
        $('submit-result').textContent = `submitted ${short(body.ids[0])}` + (body.warning != null ? ` (${body.warning})` : '')
        selected = body.ids[0]
        page = 0
        return loadTasks().then(loadDetail)
      })
      .catch(showError)
  })
  $('task-state').addEventListener('change', () => { page = 0; cursors.length = 1; void loadTasks().catch(showError) })
  $('page-first').addEventListener('click', () => { page = 0; void loadTasks().catch(showError) })
  $('page-next').addEventListener('click', () => { if (cursors[page + 1] != null) { page++; void loadTasks().catch(showError) } })
  $('detail-close').addEventListener('click', () => { selected = null; $('task-detail').hidden = true })
}

async function main () {
  wire()
  if (token == null) {
    document.body.classList.add('no-token')
    $('token-form').hidden = false
    await pollOpen()
    return
  }
  try {
    renderStatus((await api('/v1/status')).body)
    await loadScores()
    renderPeers((await api('/v1/peers')).body)
    for (const sample of (await api('/v1/timeline')).body.samples) addSample(sample)
    renderCharts()
    await loadTasks()
  } catch (err) {
    showError(err)
  }
  // The stream ends when the node stops or restarts: follow it again.
  for (;;) {
    await follow().catch(showError)
    $('live').textContent = 'no'
    await new Promise(resolve => setTimeout(resolve, 2000))
  }
}

void main()
