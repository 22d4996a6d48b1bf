import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { SHUTDOWN_BOUND_MS } from '../../../src/cli/commands/start-run.js'
import { compileConfig } from '../../../src/node/config.js'

/** `Key=value` lines of a systemd unit file (the last one of a key wins, as in systemd). */
async function unitSettings (): Promise<Map<string, string>> {
  const text = await readFile(new URL('../../../deploy/mesh-node.service', import.meta.url), 'utf8')
  const settings = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
    if (match != null) settings.set(match[1] as string, (match[2] as string).trim())
  }
  return settings
}

describe('deploy/mesh-node.service', () => {
  it('gives a stop longer than the drain, the kill grace and the close together, so systemd never kills a draining node', async () => {
    const unit = await unitSettings()
    const exec = unit.get('ExecStart') ?? ''
    const drain = /--drain-timeout (\d+)/.exec(exec)
    const config = compileConfig({ dataDir: '/var/lib/mesh-node', ...(drain != null ? { drainTimeoutMs: drain[1] } : {}) })
    const needed = config.drainTimeoutMs + config.killGraceMs + SHUTDOWN_BOUND_MS
    const stopSec = Number(unit.get('TimeoutStopSec'))
    expect(stopSec * 1000).toBeGreaterThan(needed)
    expect(unit.get('KillSignal')).toBe('SIGTERM')
  })

  it('restarts on failure, runs as its own user, and keeps its data dir where systemd makes the state dir', async () => {
    const unit = await unitSettings()
    expect(unit.get('Restart')).toBe('on-failure')
    expect(unit.get('User')).toBe('mesh-node')
    expect(unit.get('ExecStart')).toContain(`--data-dir /var/lib/${unit.get('StateDirectory') ?? ''}`)
  })
})
