import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { runBin } from '../helpers/cli.js'
import { TestMesh, addrOf } from '../helpers/nodes.js'

/**
 * The dashboard in a real browser: Debian's chromium (`.ci/run` installs it; nothing is
 * downloaded at test time), driven by playwright-core. Screenshots go to test-output/.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(path => existsSync(path))
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url))

describe('the dashboard in headless Chromium', () => {
  const mesh = new TestMesh()
  let browser: Browser | undefined
  afterEach(async () => {
    await browser?.close()
    browser = undefined
    await mesh.cleanup()
  })

  it('opened at the URL `mesh-node dashboard` prints: peers appear, a task submitted from the page reaches succeeded without a reload; without the token it shows status and peers and asks for it', async () => {
    expect(CHROMIUM, 'chromium is not installed (apt-get install chromium; .ci/run does)').toBeDefined()
    const owner = await mesh.node({ api: '127.0.0.1:0', heartbeatMs: 200, worker: false })
    const workers = await Promise.all([0, 1].map(async () => await mesh.node({ heartbeatMs: 200, bootstrap: [addrOf(owner)] })))
    const printed = await runBin(['dashboard', '--data-dir', owner.config.dataDir])
    expect(printed.code, printed.stderr).toBe(0)
    const url = printed.stdout.trim()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/)

    browser = await chromium.launch({ executablePath: CHROMIUM as string, args: ['--no-sandbox'] })
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', err => { errors.push(err.message) })
    await page.goto(url)
    // The token leaves the address bar at once (it stays in this tab's sessionStorage).
    await expect.poll(() => page.url(), { timeout: 10_000 }).not.toContain('token=')
    await expect.poll(async () => await page.textContent('#peer-id'), { timeout: 20_000 }).toBe(owner.peerId)
    // Both workers appear in the peers table, alive, and the event stream is live.
    for (const worker of workers) {
      await expect.poll(async () => await page.locator(`#peers tr[data-peer="${worker.peerId}"] td:nth-child(3)`).textContent().catch(() => null), { timeout: 30_000 }).toBe('alive')
    }
    await expect.poll(async () => await page.textContent('#live'), { timeout: 20_000 }).toBe('yes')

    // A task from the page: its row appears and turns succeeded, no reload.
    await page.fill('#submit-kind', 'echo')
    await page.fill('#submit-input', 'from the page')
    await page.click('#submit-form button[type=submit]')
    await expect.poll(async () => await page.textContent('#submit-result'), { timeout: 20_000 }).toMatch(/^submitted /)
    const id = (await page.getAttribute('#tasks tbody tr:first-child', 'data-task')) as string
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(owner.tasks.get(id)).toMatchObject({ kind: 'echo' })
    await expect.poll(async () => await page.locator(`#tasks tr[data-task="${id}"] td.state`).textContent(), { timeout: 30_000 }).toBe('succeeded')
    // Its detail shows the trail of reasons.
    await expect.poll(async () => await page.locator('#detail-history li').count(), { timeout: 10_000 }).toBeGreaterThan(1)
    expect(new TextDecoder().decode(owner.tasks.output(id))).toBe('from the page')
    // The charts drew the last seconds from the node's timeline.
    await expect.poll(async () => await page.locator('#chart-throughput polyline').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    await expect.poll(async () => await page.textContent('#chart-throughput-legend'), { timeout: 10_000 }).toMatch(/succeeded [1-9]\d* in the last minute/)
    // The workers that ran it now have a score, in the peers table and in the scores chart.
    const ranIt = (owner.tasks.get(id) as { replicas: Array<{ worker?: string | null }> }).replicas.map(r => r.worker).filter((w): w is string => w != null)
    expect(ranIt.length).toBeGreaterThan(0)
    for (const worker of ranIt) {
      await expect.poll(async () => await page.locator(`#peers tr[data-peer="${worker}"] td:nth-child(7)`).textContent(), { timeout: 20_000 }).toMatch(/^-?\d+/)
    }
    await expect.poll(async () => await page.textContent('#chart-scores-legend'), { timeout: 20_000 }).toMatch(/mean -?\d/)
    expect(await page.textContent('#relay')).toBe('off')
    await mkdir(OUTPUT, { recursive: true })
    await page.screenshot({ path: `${OUTPUT}dashboard.png`, fullPage: true })
    expect(errors).toEqual([])

    // Another tab without the token: status and peers, and the form that asks for it; no tasks.
    const anonymous = await browser.newPage()
    await anonymous.goto(url.replace(/#.*$/, ''))
    await expect.poll(async () => await anonymous.textContent('#peer-id'), { timeout: 20_000 }).toBe(owner.peerId)
    expect(await anonymous.isVisible('#token-form')).toBe(true)
    expect(await anonymous.isVisible('#tasks-section')).toBe(false)
    await expect.poll(async () => await anonymous.locator('#peers tbody tr').count(), { timeout: 20_000 }).toBe(2)
    await anonymous.screenshot({ path: `${OUTPUT}dashboard-no-token.png` })
  }, 120_000)

  it('--open hands the URL to the system opener (xdg-open), and says so in one line where there is none', async () => {
    const owner = await mesh.node({ api: '127.0.0.1:0', worker: false })
    const bin = await mesh.tempDir('mesh-opener-')
    const opened = join(bin, 'opened')
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`)
    await chmod(join(bin, 'xdg-open'), 0o755)
    const run = await runBin(['dashboard', '--open', '--data-dir', owner.config.dataDir], { PATH: `${bin}:/usr/bin:/bin` })
    expect(run.code, run.stderr).toBe(0)
    const url = run.stdout.trim()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/)
    await expect.poll(async () => await readFile(opened, 'utf8').catch(() => null), { timeout: 10_000 }).toBe(url)

    const empty = await mesh.tempDir('mesh-no-opener-')
    const none = await runBin(['dashboard', '--open', '--data-dir', owner.config.dataDir], { PATH: empty })
    expect(none.code).toBe(0)
    expect(none.stdout.trim()).toBe(url)
    expect(none.stderr).toBe('mesh-node: cannot open a browser here (no xdg-open): open the URL above\n')
  }, 60_000)
})
