#!/usr/bin/env node
// One node of a simulation, as its own process (src/sim/node-host.ts; run by src/sim/cluster.ts).
import '../dist/src/sim/node-host.js'
