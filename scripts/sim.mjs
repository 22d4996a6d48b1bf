#!/usr/bin/env node
// npm run sim -- [options]: a local multi-node mesh with fault injection (src/sim/cli.ts).
import '../dist/src/polyfill.js'
const { main } = await import('../dist/src/sim/cli.js')
process.exitCode = await main(process.argv.slice(2))
