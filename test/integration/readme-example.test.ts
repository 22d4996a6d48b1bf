import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The code block of the README's "Library use" section, exactly as printed. */
async function libraryExample (): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Library use\n'))
  const match = /\n```js\n([\s\S]*?)\n```\n/.exec(section)
  if (match?.[1] == null) throw new Error('README.md has no ```js block under "## Library use"')
  return match[1] + '\n'
}

describe('the README', () => {
  // Inside the checkout (.vitest-tmp is git-ignored), so `import ... from 'mesh-node'` resolves to this package, as the README says.
  const dir = join(ROOT, '.vitest-tmp', `readme-${process.pid}`)
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('library example runs exactly as printed: it submits a task and prints its result', async () => {
    const code = await libraryExample()
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'example.mjs')
    await writeFile(file, code)
    const result = await new Promise<{ code: number, stdout: string, stderr: string }>(resolve => {
      execFile(process.execPath, [file], { cwd: dir, timeout: 50_000 }, (err, stdout, stderr) => {
        resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
      })
    })
    expect(result).toMatchObject({ code: 0, stdout: 'succeeded on b\n2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n' })
  }, 60_000)
})
