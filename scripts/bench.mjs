#!/usr/bin/env node
// npm run bench -- [--quick] [--out FILE]: the mesh's figures as JSON (src/bench/bench.ts).
import '../dist/src/polyfill.js'
const { main } = await import('../dist/src/bench/cli.js')
process.exitCode = await main(process.argv.slice(2))
// Nodes, pools and sockets are closed; a stray timer must not keep the process up.
setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref()
