import '../polyfill.js'
import { COMMANDS } from './catalog.js'
import { namedCommand } from './main.js'
import { runAsProcess } from './process.js'

// The entry scripts/bundle-cli.mjs bundles, with everything the light commands use, into one
// CommonJS file (dist/src/cli-light.cjs) that bin/mesh-node requires (commander stays a package,
// required from node_modules): one file of ours to read and compile and no ES module loader take
// a CLI call from ~155 to ~135 ms here (bench `cli`). A heavy command (`start`: the node, libp2p,
// SQLite, every module) it does not run: bin/mesh-node hands the call to the CLI as tsc built it,
// so the node never runs with two copies of a module (two MeshError classes). The few modules the
// bundle loads from dist/ (LAZY in scripts/bundle-cli.mjs) throw MeshErrors of their own copy:
// src/errors.ts knows them by a registered symbol.

/** Whether this bundle runs the call; when not, bin/mesh-node loads the CLI as tsc built it. */
export const runs = COMMANDS.find(entry => entry.name === namedCommand(process.argv.slice(2)))?.heavy !== true
if (runs) void runAsProcess()
