import { Command } from 'commander'
import { GROUPS, runBench } from './bench.js'

/** `npm run bench -- [--quick] [--out FILE]`: prints the figures as one JSON document on stdout; progress on stderr. */
export async function main (argv: string[]): Promise<number> {
  const program = new Command('bench')
    .description('measure the mesh on this machine (latency, throughput against BullMQ, fairness, claims per task, reclaim, isolation, memory, scale) and print one JSON document')
    .option('--quick', 'a shorter run (at most ~3 minutes): fewer samples, no scale search')
    .option('--out <file>', 'also write the JSON to this file')
    .option('--only <groups>', `only these groups, comma-separated: ${GROUPS.join(', ')}`)
    .exitOverride()
  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2
  }
  const flags = program.opts<{ quick?: boolean, out?: string, only?: string }>()
  const only = flags.only?.split(',').map(s => s.trim()).filter(s => s !== '')
  const unknown = only?.filter(g => !GROUPS.includes(g)) ?? []
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown group ${unknown.join(', ')} (one of ${GROUPS.join(', ')})\n`)
    return 2
  }
  const figures = await runBench({ quick: flags.quick === true, ...(flags.out != null ? { out: flags.out } : {}), ...(only != null ? { only } : {}), log: line => { process.stderr.write(`${line}\n`) } })
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`)
  return 0
}
