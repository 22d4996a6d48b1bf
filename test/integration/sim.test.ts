import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runSim } from '../helpers/cli.js'
import { processesMatching } from '../helpers/procs.js'
import type { SimReport } from '../../src/sim/report.js'

describe('simulation smoke (npm run sim)', () => {
  const dirs: string[] = []
  afterEach(async () => { for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true }) })

  it('chaos on 5 nodes (liar, slow worker, crash, hang, partition, owner restart): no task lost, no wrong result accepted, no process left behind', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mesh-sim-report-'))
    dirs.push(out)
    const run = await runSim(['--scenario', 'chaos', '--nodes', '5', '--tasks', '40', '--duration', '20', '--seed', '7', '--out', out])
    expect(run.stderr).not.toContain('sim: ')
    expect(run.code).toBe(0)
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as SimReport
    expect(report.tasks).toMatchObject({ submitted: 40, succeeded: 40, unfinished: 0, wrongAccepted: 0 })
    expect(report.faults.map(f => f.type).sort()).toEqual(['crash', 'hang', 'heal', 'owner-crash', 'owner-restart', 'partition', 'restart', 'resume'])
    expect(report.peers.find(p => p.role === 'liar')?.finalState).toBe('banned')
    expect(report.completedOverTime.at(-1)?.succeeded).toBe(40)
    const html = await readFile(join(out, 'report.html'), 'utf8')
    expect(html).toContain('<svg')
    // No script and nothing fetched from elsewhere (the SVG namespace URI is a name, not a fetch).
    expect(html).not.toMatch(/<script|(src|href)="https?:/)
    // Every node process the simulation started is gone.
    expect(processesMatching('sim-node.mjs')).toEqual([])
  }, 300_000)
})
