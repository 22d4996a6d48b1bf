import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_EVENT_STREAMS } from '../../src/api/server.js'
import { MeshClient } from '../../src/client.js'
import type { TimelineSample } from '../../src/node/timeline.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

interface Event { sample: TimelineSample, status: { peerId: string }, peers: Array<{ peerId: string }> }

/** The next `count` events of a server-sent event stream (the `data:` lines, parsed). */
async function nextEvents (body: ReadableStream<Uint8Array>, count: number): Promise<Event[]> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: Event[] = []
  let buffered = ''
  while (events.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    buffered += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, end)
      buffered = buffered.slice(end + 2)
      const data = block.split('\n').filter(line => line.startsWith('data: ')).map(line => line.slice(6)).join('\n')
      if (data !== '') events.push(JSON.parse(data) as Event)
    }
  }
  reader.releaseLock()
  return events
}

describe('the dashboard\'s live data: /v1/timeline and /v1/events', () => {
  const mesh = new TestMesh()
  afterEach(async () => { await mesh.cleanup() })

  it('the timeline counts the tasks that finished and their latency; the event stream sends a sample, the status and the peers every second', async () => {
    const owner = await mesh.node({ api: '127.0.0.1:0', heartbeatMs: 200, worker: false })
    const worker = await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })
    const client = await MeshClient.connect({ dataDir: owner.config.dataDir })
    await expect.poll(async () => (await client.peers()).find(p => p.peerId === worker.peerId)?.state, { timeout: 20_000 }).toBe('alive')
    const batch = await client.submitMany({ kind: 'echo' }, Array.from({ length: 10 }, (_, i) => `t${i}`))
    for await (const result of client.results(batch.key)) expect(result.state).toBe('succeeded')

    const timeline = async (): Promise<TimelineSample[]> => (await client.api.get<{ samples: TimelineSample[] }>('/v1/timeline')).samples
    await expect.poll(async () => (await timeline()).reduce((sum, s) => sum + s.succeeded, 0), { timeout: 10_000 }).toBe(10)
    const samples = await timeline()
    expect(samples.some(s => s.succeeded > 0 && s.latencyP50 != null && s.latencyP50 >= 0)).toBe(true)
    await expect.poll(async () => (await timeline()).at(-1)?.peersAlive, { timeout: 10_000 }).toBe(1)

    const url = (await client.status()).api as string
    const token = (await readFile(`${owner.config.dataDir}/api.token`, 'utf8')).trim()
    const open = async (withToken = true): Promise<Response> => await fetch(`${url}/v1/events`, { headers: withToken ? { authorization: `Bearer ${token}` } : {} })
    expect((await open(false)).status).toBe(401)

    const stream = await open()
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const events = await nextEvents(stream.body as ReadableStream<Uint8Array>, 2)
    expect(events).toHaveLength(2)
    expect((events[1]?.sample.t ?? 0) - (events[0]?.sample.t ?? 0)).toBeGreaterThanOrEqual(900)
    expect(events[0]?.status.peerId).toBe(owner.peerId)
    expect(events[0]?.peers.map(p => p.peerId)).toContain(worker.peerId)

    // Bounded: the streams past the limit are refused, and a closed one frees its place.
    const more = await Promise.all(Array.from({ length: MAX_EVENT_STREAMS - 1 }, async () => await open()))
    expect(more.every(r => r.status === 200)).toBe(true)
    const refused = await open()
    expect(refused.status).toBe(429)
    expect((await refused.json() as { error: { code: string } }).error.code).toBe('TOO_MANY_STREAMS')
    await stream.body?.cancel()
    await expect.poll(async () => { const r = await open(); const s = r.status; await r.body?.cancel(); return s }, { timeout: 10_000 }).toBe(200)
    for (const r of more) await r.body?.cancel()
  })
})
