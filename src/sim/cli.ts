import { Command, InvalidArgumentError, Option } from 'commander'
import { killAllChildren } from './cluster.js'
import { runSimulation, type SimOptions } from './run.js'
import { SCENARIOS, type Scenario } from './scenarios.js'

/**
 * `npm run sim -- [options]`: a local mesh with fault injection. Exit 0 when every task finished
 * and no wrong result was accepted, 1 otherwise, 2 for bad options.
 */

const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} wants a whole number ≥ ${min}`)
  return n
}

export async function main (argv: string[]): Promise<number> {
  const program = new Command('sim')
    .description('run a local mesh-node network on 127.0.0.1 with a workload and injected faults; write report.json and report.html')
    .addOption(new Option('--scenario <name>', 'faults to inject').choices([...SCENARIOS]).default('chaos'))
    .option('--nodes <n>', 'nodes in all: one owner, the rest workers', int('--nodes', 2), 5)
    .option('--tasks <n>', 'tasks to submit', int('--tasks', 1), 100)
    .option('--kind <kind>', 'task kind (sleep, echo, sha256, hash-loop are checked for correct output)', 'sleep')
    .option('--redundancy <r>', 'replicas per task (default: 3 for liars and chaos, else 1)', int('--redundancy', 1))
    .option('--seed <s>', 'fixes the workload and the fault schedule', int('--seed', 0), 1)
    .option('--in-process', 'all nodes in this process (many more fit); a hang is then a partition')
    .option('--out <dir>', 'where report.json and report.html go', 'sim-report')
    .option('--duration <s>', 'the fault window in seconds: submissions and faults happen in it', int('--duration', 5), 30)
    .option('--lease-ttl <ms>', 'the owner\'s lease TTL', int('--lease-ttl', 200), 2000)
    .option('--settle <s>', 'how long to wait after the window for the last tasks', int('--settle', 5), 120)
    .exitOverride()
  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? 2
    return code === 0 ? 0 : 2
  }
  const flags = program.opts<{ scenario: Scenario, nodes: number, tasks: number, kind: string, redundancy?: number, seed: number, inProcess?: boolean, out: string, duration: number, leaseTtl: number, settle: number }>()
  const options: SimOptions = {
    scenario: flags.scenario,
    nodes: flags.nodes,
    tasks: flags.tasks,
    kind: flags.kind,
    ...(flags.redundancy != null ? { redundancy: flags.redundancy } : {}),
    seed: flags.seed,
    inProcess: flags.inProcess === true,
    out: flags.out,
    windowMs: flags.duration * 1000,
    leaseTtlMs: flags.leaseTtl,
    settleMs: flags.settle * 1000
  }
  // An interrupted simulation still takes every process it started with it.
  const interrupted = (): void => {
    killAllChildren()
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  process.once('exit', killAllChildren)
  const tty = process.stderr.isTTY === true
  let last = 0
  try {
    const report = await runSimulation(options, {
      progress: line => {
        if (tty) process.stderr.write(`\r${line}\x1b[K`)
        else if (Date.now() - last >= 5000) { last = Date.now(); process.stderr.write(`${line}\n`) }
      },
      log: line => { process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`) }
    })
    if (tty) process.stderr.write('\n')
    const { tasks } = report
    process.stdout.write(`${JSON.stringify({ scenario: report.scenario, tasks, reclaimMs: report.reclaimMs, latencyMs: report.latencyMs, throughputPerSec: report.throughputPerSec, report: options.out })}\n`)
    return tasks.unfinished === 0 && tasks.wrongAccepted === 0 && tasks.submitted === options.tasks ? 0 : 1
  } catch (err) {
    process.stderr.write(`sim: ${process.env.MESH_SIM_DEBUG === '1' ? String((err as Error).stack) : (err as Error).message}\n`)
    return 1
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
}
