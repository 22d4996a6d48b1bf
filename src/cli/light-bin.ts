import '../polyfill.js'
import { errorMessage } from '../errors.js'
import { COMMANDS } from './catalog.js'
import { namedCommand } from './main.js'
import { runAsProcess } from './process.js'

// The entry scripts/bundle-cli.mjs bundles, with everything the light commands use, into one
// CommonJS file (dist/src/cli-light.cjs) that bin/mesh-node requires (commander stays a package,
// required from node_modules): one file of ours to read and compile, and no ES module loader,
// take a CLI call from ~155 to ~135 ms here (bench `cli`). A call naming a heavy command (`start`: the node, libp2p, SQLite, every module) runs
// the CLI as tsc built it instead, so the node never runs with two copies of a module (two
// MeshError classes). The few modules the bundle loads from dist/ (LAZY in scripts/bundle-cli.mjs)
// throw MeshErrors of their own copy: src/errors.ts knows them by a registered symbol.

const named = namedCommand(process.argv.slice(2))
if (COMMANDS.find(entry => entry.name === named)?.heavy === true) {
  // Not a literal specifier: the bundler leaves it alone. Relative to the bundle in dist/src/
  // (import.meta.url is the bundle's own URL there), not to this file's place in dist/src/cli/.
  const full = new URL('./cli/bin.js', import.meta.url).href
  import(full).catch((err: unknown) => {
    process.stderr.write(`mesh-node: cannot load the CLI (${errorMessage(err).split('\n')[0] ?? 'error'}): run "npm run build"\n`)
    process.exit(1)
  })
} else {
  void runAsProcess()
}
