import { join } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { ATTACKS, type AttackName } from './attacker.js'
import { killAllChildren } from './cluster.js'
import { runSimulation, type SimOptions } from './run.js'
import { SCENARIOS, type Scenario } from './scenarios.js'

/**
 * `npm run sim -- [options]`: a local mesh with fault injection. Exit 0 when every task finished
 * and no wrong result was accepted (adversarial: and no input leaked and no honest peer was
 * throttled or banned), 1 otherwise, 2 for bad options.
 */

const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} wants a whole number ≥ ${min}`)
  return n
}

/** `--attackers 30%` (a share of --nodes, rounded) or `--attackers 3`. */
const attackersOption = (value: string): string => {
  if (!/^(\d+|\d+(\.\d+)?%)$/.test(value)) throw new InvalidArgumentError('--attackers wants a count (3) or a share of the nodes (30%)')
  return value
}

const attacksOption = (value: string): AttackName[] => {
  const names = value.split(',').map(name => name.trim())
  const unknown = names.filter(name => !(ATTACKS as readonly string[]).includes(name))
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown attack ${unknown.join(', ')} (${ATTACKS.join(', ')})`)
  return names as AttackName[]
}

/** The kinds whose right output the simulation knows (src/sim/run.ts, workload()). */
const CHECKED_KINDS = ['sleep', 'echo', 'sha256', 'hash-loop']

export function attackerCount (value: string, nodes: number): number {
  return value.endsWith('%') ? Math.round((Number(value.slice(0, -1)) / 100) * nodes) : Number(value)
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
    .option('--attackers <n|share%>', 'adversarial: how many of the nodes attack (a count, or a share of --nodes)', attackersOption, '30%')
    .option('--attacks <list>', `adversarial: the attacks the wire attackers mount, comma-separated (${ATTACKS.join(', ')}; default all)`, attacksOption)
    .option('--no-baseline', 'adversarial: skip the run of the same seed without attackers (its p50 latency goes next to the attacked one)')
    .exitOverride()
  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? 2
    return code === 0 ? 0 : 2
  }
  const flags = program.opts<{ scenario: Scenario, nodes: number, tasks: number, kind: string, redundancy?: number, seed: number, inProcess?: boolean, out: string, duration: number, leaseTtl: number, settle: number, attackers: string, attacks?: AttackName[], baseline: boolean }>()
  const adversarial = flags.scenario === 'adversarial'
  const attackers = adversarial ? attackerCount(flags.attackers, flags.nodes) : 0
  if (adversarial && !CHECKED_KINDS.includes(flags.kind)) {
    process.stderr.write(`sim: the adversarial scenario checks every output: --kind must be one of ${CHECKED_KINDS.join(', ')}\n`)
    return 2
  }
  if (adversarial && flags.nodes - 1 - attackers < 3) {
    process.stderr.write(`sim: --nodes ${flags.nodes} with ${attackers} attackers leaves ${flags.nodes - 1 - attackers} honest workers; the adversarial scenario needs at least 3 (redundancy 3)\n`)
    return 2
  }
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
    settleMs: flags.settle * 1000,
    ...(adversarial ? { attackers } : {}),
    ...(flags.attacks != null ? { attacks: flags.attacks } : {})
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
    const io = {
      progress: (line: string) => {
        if (tty) process.stderr.write(`\r${line}\x1b[K`)
        else if (Date.now() - last >= 5000) { last = Date.now(); process.stderr.write(`${line}\n`) }
      },
      log: (line: string) => { process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`) }
    }
    if (adversarial && flags.baseline) {
      // The same seed and the same honest nodes, without the attackers: its report goes in <out>/baseline.
      io.log(`baseline: the same seed without the ${attackers} attackers`)
      const baseline = await runSimulation({ ...options, nodes: options.nodes - attackers, attackers: 0, out: join(options.out, 'baseline') }, io)
      options.baselineP50Ms = baseline.latencyMs.p50
      if (tty) process.stderr.write('\n')
    }
    const report = await runSimulation(options, io)
    if (tty) process.stderr.write('\n')
    const { tasks, adversary } = report
    const summary = adversary == null
      ? {}
      : { adversary: { attackers: adversary.attackers, liars: adversary.liars, ...adversary.tasks, inputsLeaked: adversary.inputsLeaked, honestPunished: adversary.honestPunished, honestLowestScore: adversary.honestLowestScore, attackersGraylisted: adversary.attackersGraylisted, phantomPeersAlive: adversary.phantomPeersAlive, phantomPeersCounted: adversary.phantomPeersCounted, latencyP50Ms: adversary.latencyP50Ms } }
    process.stdout.write(`${JSON.stringify({ scenario: report.scenario, tasks, reclaimMs: report.reclaimMs, latencyMs: report.latencyMs, throughputPerSec: report.throughputPerSec, ...summary, report: options.out })}\n`)
    const held = adversary == null || (adversary.tasks.wrong === 0 && adversary.tasks.lost === 0 && adversary.inputsLeaked === 0 && adversary.honestPunished === 0)
    return held && tasks.unfinished === 0 && tasks.wrongAccepted === 0 && tasks.submitted === options.tasks ? 0 : 1
  } catch (err) {
    process.stderr.write(`sim: ${process.env.MESH_SIM_DEBUG === '1' ? String((err as Error).stack) : (err as Error).message}\n`)
    return 1
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
}
