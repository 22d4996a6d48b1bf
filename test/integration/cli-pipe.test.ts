import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'

describe('the CLI writing to a pipe its reader closed (`mesh-node … | head`)', () => {
  const dirs: string[] = []
  afterAll(async () => { await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) })) })

  it('stops quietly with exit 0: no EPIPE stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-pipe-'))
    dirs.push(dir)
    const child = spawn(process.execPath, [BIN, 'id', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    // The reader goes away before the command writes a byte.
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  }, 30_000)
})
