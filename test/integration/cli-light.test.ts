import { copyFile, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcesses, runBin, waitForApiFile, type CliResult } from '../helpers/cli.js'
import { TestMesh } from '../helpers/nodes.js'

const TRACE = fileURLToPath(new URL('../fixtures/module-trace.mjs', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The project's files (and packages) a CLI call loads, relative to the project, as `esm x` or
 * `cjs x`; `bin`: another copy of bin/mesh-node.
 */
async function modulesOf (args: string[], traceFile: string, bin?: string): Promise<CliResult & { modules: string[] }> {
  const run = await runBin(args, { NODE_OPTIONS: `--import ${TRACE}`, MODULE_TRACE: traceFile }, bin != null ? { bin } : {})
  const lines = (await readFile(traceFile, 'utf8')).trim().split('\n')
  const modules = lines
    .map(line => line.replace('file://', '').replace(ROOT, ''))
    .filter(line => !line.includes('node:') && !line.includes('data:') && !line.includes('test/fixtures/'))
    // The trace's --import starts the ES module loader, which then resolves the entry script too.
    .filter(line => line !== 'esm bin/mesh-node')
  return { ...run, modules: [...new Set(modules)] }
}

// Issue 15's fast CLI: bin/mesh-node requires one bundled CommonJS file for every command but
// the heavy ones (src/cli/light-bin.ts, scripts/bundle-cli.mjs). The bench holds the times
// (`cli.statusMs`, `cli.helpMs`); this holds what makes them.
describe('the CLI light path (one bundled file)', () => {
  const procs = new NodeProcesses()
  const mesh = new TestMesh()
  afterEach(async () => {
    await procs.killAll()
    await mesh.cleanup()
  })

  it('answers --help, status, id, psk and backup from the bundle and commander alone, and hands start to the full CLI', async () => {
    const dir = await mesh.tempDir()
    const light = (modules: string[]): string[] => modules.filter(m => !m.startsWith('cjs node_modules/commander/'))
    const help = await modulesOf(['--help'], join(dir, 'help.trace'))
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: mesh-node')
    expect(light(help.modules)).toEqual(['cjs bin/mesh-node', 'cjs dist/src/cli-light.cjs'])

    procs.start(['--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--no-worker', '--log-level', 'warn'])
    await waitForApiFile(dir)
    const status = await modulesOf(['status', '--json', '--data-dir', dir], join(dir, 'status.trace'))
    expect(status.code).toBe(0)
    const peerId = JSON.parse(status.stdout).peerId as string
    expect(peerId).toMatch(/^12D3KooW/)
    expect(light(status.modules)).toEqual(['cjs bin/mesh-node', 'cjs dist/src/cli-light.cjs'])

    // The node wrote peer.id beside its key: id reads it, no libp2p.
    const id = await modulesOf(['id', '--json', '--data-dir', dir], join(dir, 'id.trace'))
    expect(id.code).toBe(0)
    expect(JSON.parse(id.stdout).peerId).toBe(peerId)
    expect(light(id.modules)).toEqual(['cjs bin/mesh-node', 'cjs dist/src/cli-light.cjs'])

    const psk = await modulesOf(['psk'], join(dir, 'psk.trace'))
    expect(psk.code).toBe(0)
    expect(psk.stdout).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(light(psk.modules)).toEqual(['cjs bin/mesh-node', 'cjs dist/src/cli-light.cjs'])

    const backup = await modulesOf(['backup', join(dir, 'backup.db'), '--data-dir', dir], join(dir, 'backup.trace'))
    expect(backup.code).toBe(0)
    expect(light(backup.modules).filter(m => !m.startsWith('cjs node_modules/better-sqlite3/') && !m.startsWith('cjs node_modules/bindings/') && !m.startsWith('cjs node_modules/file-uri-to-path/')))
      .toEqual(['cjs bin/mesh-node', 'cjs dist/src/cli-light.cjs'])

    // start runs the CLI as tsc built it: its ES modules, libp2p's among them.
    const start = await modulesOf(['start', '--help'], join(dir, 'start.trace'))
    expect(start.code).toBe(0)
    expect(start.modules).toContain('esm dist/src/cli/bin.js')
  }, 60_000)

  it('id on a data dir without peer.id makes the key with libp2p and writes peer.id; a key replaced since is not taken for the old one', async () => {
    const dir = join(await mesh.tempDir(), 'new')
    const first = await modulesOf(['id', '--data-dir', dir], join(dir, '..', 'first.trace'))
    expect(first.code).toBe(0)
    expect(first.modules).toContain('esm dist/src/node/identity.js')
    const peerId = first.stdout.trim()
    expect(peerId).toMatch(/^12D3KooW/)
    const again = await modulesOf(['id', '--data-dir', dir], join(dir, '..', 'again.trace'))
    expect(again.stdout.trim()).toBe(peerId)
    expect(again.modules).not.toContain('esm dist/src/node/identity.js')

    // Another node's key copied over this one: peer.id no longer matches it, and is rewritten.
    const other = join(await mesh.tempDir(), 'other')
    const otherId = (await runBin(['id', '--data-dir', other])).stdout.trim()
    await copyFile(join(other, 'peer.key'), join(dir, 'peer.key'))
    expect((await runBin(['id', '--data-dir', dir])).stdout.trim()).toBe(otherId)
    expect(JSON.parse(await readFile(join(dir, 'peer.id'), 'utf8'))).toMatchObject({ peerId: otherId })

    // A peer.id written without the key (its MAC made up) is not believed.
    await writeFile(join(dir, 'peer.id'), JSON.stringify({ peerId, mac: 'ab'.repeat(32) }))
    expect((await runBin(['id', '--data-dir', dir])).stdout.trim()).toBe(otherId)
  }, 60_000)

  it('runs the CLI as tsc built it when the bundle is older than tsc\'s output, and says in one line when neither loads', async () => {
    // A copy of the package's layout: bin/ copied, dist/src/ a dir of links to the real files
    // but for the bundle, a copy dated an hour back (as after running tsc alone).
    const root = await mesh.tempDir('mesh-layout-')
    await mkdir(join(root, 'bin'))
    for (const file of ['mesh-node', 'package.json']) await copyFile(join(ROOT, 'bin', file), join(root, 'bin', file))
    await mkdir(join(root, 'dist/src'), { recursive: true })
    for (const entry of await readdir(join(ROOT, 'dist/src'))) {
      if (entry !== 'cli-light.cjs') await symlink(join(ROOT, 'dist/src', entry), join(root, 'dist/src', entry))
    }
    const bundle = join(root, 'dist/src/cli-light.cjs')
    await copyFile(join(ROOT, 'dist/src/cli-light.cjs'), bundle)
    const hourAgo = new Date(Date.now() - 3_600_000)
    await utimes(bundle, hourAgo, hourAgo)
    const copy = join(root, 'bin/mesh-node')
    const stale = await modulesOf(['--version'], join(root, 'stale.trace'), copy)
    expect(stale.code).toBe(0)
    expect(stale.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    expect(stale.modules).toContain('esm dist/src/cli/bin.js')
    expect(stale.modules.some(m => m.endsWith('cli-light.cjs'))).toBe(false)

    // Neither the bundle nor tsc's output: one line, exit 1.
    await rm(join(root, 'dist'), { recursive: true })
    const none = await modulesOf(['--version'], join(root, 'none.trace'), copy)
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^mesh-node: cannot load the CLI \([^\n]+\): run "npm install" or "npm run build"\n$/)
  }, 60_000)

  it('keeps coded errors from modules it loads lazily from dist/: a config file that is not JSON exits 2 in one line', async () => {
    // config-sources.js is not in the bundle: its MeshError comes from dist/src/errors.js, a copy
    // other than the bundle's, and must still be known for one (src/errors.ts MESH_ERROR).
    const dir = await mesh.tempDir()
    const config = join(dir, 'config.json')
    await writeFile(config, '{not json')
    const run = await modulesOf(['status', '--config', config], join(dir, 'config.trace'))
    expect(run.code).toBe(2)
    expect(run.modules).toContain('esm dist/src/node/config-sources.js')
    expect(run.modules).toContain('esm dist/src/errors.js')
    const bad = await runBin(['status', '--config', config])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^mesh-node: config file \S+ is not valid JSON: [^\n]+\n$/)
  }, 60_000)
})
