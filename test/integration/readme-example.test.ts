import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, waitForApiFile } from '../helpers/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The first code block under a heading of the README, exactly as printed. */
async function exampleUnder (heading: string): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const at = readme.indexOf(`\n${heading}\n`)
  if (at === -1) throw new Error(`README.md has no "${heading}"`)
  const match = /\n```js\n([\s\S]*?)\n```\n/.exec(readme.slice(at))
  if (match?.[1] == null) throw new Error(`README.md has no \`\`\`js block under "${heading}"`)
  return match[1] + '\n'
}

async function runFile (file: string, cwd: string): Promise<{ code: number, stdout: string, stderr: string }> {
  return await new Promise(resolve => {
    execFile(process.execPath, [file], { cwd, timeout: 50_000 }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

describe('the README', () => {
  // Inside the checkout (.vitest-tmp is git-ignored), so `import ... from 'mesh-node'` resolves to this package, as the README says.
  const dir = join(ROOT, '.vitest-tmp', `readme-${process.pid}`)
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('library example runs exactly as printed: it submits a task and prints its result', async () => {
    const code = await exampleUnder('## Library use')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'example.mjs')
    await writeFile(file, code)
    const result = await runFile(file, dir)
    expect(result).toMatchObject({ code: 0, stdout: 'succeeded on b\n2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n' })
  }, 60_000)

  it('client example runs exactly as printed against a node started on ./a', async () => {
    const code = await exampleUnder('### Client library: `mesh-node/client`')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'client.mjs')
    await writeFile(file, code)
    const procs = new NodeProcesses()
    try {
      procs.start(['--data-dir', join(dir, 'a'), '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'])
      await waitForApiFile(join(dir, 'a'))
      const result = await runFile(file, dir)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const lines = result.stdout.trim().split('\n')
      expect(lines[0]).toMatch(/^node 12D3KooW\S{4} with 0 peers$/)
      expect(lines.slice(1, 4).sort()).toEqual(['0 succeeded a', '1 succeeded b', '2 succeeded c'])
      expect(lines.slice(4)).toEqual(['sleep', '2', 'cancelled'])
    } finally {
      await procs.killAll()
    }
  }, 60_000)
})
