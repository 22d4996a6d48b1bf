import '../polyfill.js'
import { COMMANDS } from './catalog.js'
import { namedCommand } from './main.js'
import { runAsProcess } from './process.js'

// The entry scripts/bundle-cli.mjs bundles, with commander and everything the light commands
// use, into one CommonJS file (dist/src/cli-light.cjs) that bin/mesh-node requires: one file to
// read and compile, and no ES module loader, take a CLI call from ~155 to ~135 ms here (bench
// `cli`). A call naming a heavy command (`start`: the node, libp2p, SQLite, every module) runs
// the CLI as tsc built it instead, so the node never runs with two copies of a module (two
// MeshError classes, two commanders) and no bundled file looks for its neighbours. The few
// modules the bundle loads from dist/ (scripts/bundle-cli.mjs) throw MeshErrors of their own copy:
// src/errors.ts knows them by a registered symbol.

const named = namedCommand(process.argv.slice(2))
if (COMMANDS.find(entry => entry.name === named)?.heavy === true) {
  // Not a literal specifier: the bundler leaves it alone, and it resolves from dist/src/.
  const full = new URL('./cli/bin.js', import.meta.url).href
  void import(full)
} else {
  void runAsProcess()
}
