// Bundles the CLI's light path (src/cli/light-bin.ts, as tsc built it) into one CommonJS file,
// dist/src/cli-light.cjs, which bin/mesh-node requires: see light-bin.ts for why. Run by
// `npm run build` after tsc. Left out of the bundle, loaded from dist/ as ES modules when a call
// needs them: `start` (never run from the bundle) and the modules that bring zod, libp2p's key
// code or the task model (a --config file, `id` without peer.id, --inputs-format jsonl). Packages
// stay packages: commander and better-sqlite3 are required through createRequire (esbuild does not
// see those), the rest may only be imported dynamically (a static import of an ES-module-only
// package would become a require() that Node 20 before 20.19 refuses: the build fails instead).
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outfile = resolve(root, 'dist/src/cli-light.cjs')
const LAZY = /\/(cli\/commands\/start|node\/identity|node\/config|node\/config-sources|tasks\/batch-submission)\.js$/

const outOfBundle = {
  name: 'out-of-bundle',
  setup (bundle) {
    // A module in LAZY, imported dynamically: from its place in dist/, relative to the bundle.
    bundle.onResolve({ filter: /^\.\.?\// }, args => {
      const target = resolve(args.resolveDir, args.path)
      if (args.kind !== 'dynamic-import' || !LAZY.test(target)) return undefined
      return { path: './' + relative(dirname(outfile), target), external: true }
    })
    bundle.onResolve({ filter: /^[^./]/ }, args => {
      if (args.path.startsWith('node:')) return undefined
      if (args.kind === 'dynamic-import') return { path: args.path, external: true }
      return { errors: [{ text: `${args.path} is imported statically by ${relative(root, args.importer)}: import it dynamically where it is used, or require it (CommonJS packages)` }] }
    })
  }
}

// Nothing is written until the bundle passes its checks: a rejected bundle must not stay behind
// for bin/mesh-node to run.
await rm(outfile, { force: true })
const result = await build({
  entryPoints: [resolve(root, 'dist/src/cli/light-bin.js')],
  outfile,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import.meta.url in CommonJS: the bundle's own URL (version.js finds package.json from it:
  // the bundle sits beside it in dist/src/). "use strict" first: a directive
  // after the banner would not count, and the modules were written as strict ES modules.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "'use strict'\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [outOfBundle],
  metafile: true,
  logLevel: 'warning'
})
const lazyInside = Object.keys(result.metafile.inputs).filter(input => LAZY.test('/' + input))
if (lazyInside.length > 0) throw new Error(`bundle-cli: a module meant to load from dist/ was bundled (a static import?): ${lazyInside.join(', ')}`)
await mkdir(dirname(outfile), { recursive: true })
for (const file of result.outputFiles) await writeFile(file.path, file.contents)
