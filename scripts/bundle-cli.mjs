// Bundles the CLI's light path (src/cli/light-bin.ts, as tsc built it) with commander into one
// CommonJS file, dist/src/cli-light.cjs, which bin/mesh-node requires: see light-bin.ts for why.
// Run by `npm run build` after tsc. Left out of the bundle, loaded from dist/ as ES modules when
// a call needs them: `start` (never run from the bundle), the modules that bring zod, libp2p's
// key code or the task model (a --config file, `id` without peer.id, --inputs-format jsonl), and
// every package but commander (better-sqlite3 for `backup`).
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outfile = resolve(root, 'dist/src/cli-light.cjs')
const LAZY = /\/(cli\/commands\/start|node\/identity|node\/config|node\/config-sources|tasks\/batch-submission)\.js$/

/** A module in LAZY stays out: imported from its place in dist/, relative to the bundle. */
const lazyModules = {
  name: 'lazy-modules',
  setup (bundle) {
    bundle.onResolve({ filter: /^\.\.?\// }, args => {
      const target = resolve(args.resolveDir, args.path)
      if (args.kind !== 'dynamic-import' || !LAZY.test(target)) return undefined
      return { path: './' + relative(dirname(outfile), target), external: true }
    })
    bundle.onResolve({ filter: /^[^./]/ }, args => args.path === 'commander' || args.path.startsWith('node:') ? undefined : { path: args.path, external: true })
  }
}

const result = await build({
  entryPoints: [resolve(root, 'dist/src/cli/light-bin.js')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import.meta.url in CommonJS: the bundle's own URL (version.js finds package.json from it,
  // light-bin.js the full CLI; both sit beside it in dist/src/).
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyModules],
  metafile: true,
  logLevel: 'warning'
})
const statically = Object.keys(result.metafile.inputs).filter(input => !input.includes('node_modules'))
if (statically.some(input => LAZY.test('/' + input))) throw new Error(`bundle-cli: a lazy module was bundled statically: ${statically.filter(input => LAZY.test('/' + input)).join(', ')}`)
