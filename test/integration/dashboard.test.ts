import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
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
})
