import type { Command } from './commander.js'
import type { CliIo } from './context.js'

/**
 * The CLI's commands: name, description and arguments, and where each is defined. main.ts builds
 * only the command a call names (and lists the others, for help, from here), so a call loads
 * what its command uses and no more (bench `cli`: `status` and `--help` in about 150 ms).
 */

export type CommandFactory = (io: CliIo, setExitCode: (code: number) => void) => Command

export interface CommandEntry {
  name: string
  description: string
  /** Its arguments as its usage shows them (`<id>`), when it takes any. */
  args?: string
  /** It runs the node (libp2p, SQLite, every module): bin/mesh-node runs it on the modules tsc built, not from the bundle (./light-bin.ts). */
  heavy?: true
  load: () => Promise<CommandFactory>
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'start', description: 'run a node in the foreground until SIGINT/SIGTERM', heavy: true, load: async () => (await import('./commands/start.js')).startCommand },
  { name: 'status', description: 'peer id, network, listen addresses, connected peers, reachability, uptime and version of the running node', load: async () => { const { statusCommand } = await import('./commands/status.js'); return io => statusCommand(io) } },
  { name: 'peers', description: 'peers the running node knows: addresses, connection, heartbeat state (alive, suspect, gone), capabilities, free/total slots, heartbeat age; for an unconnected peer, when it was last connected and when the next dial is due', load: async () => { const { peersCommand } = await import('./commands/peers.js'); return io => peersCommand(io) } },
  { name: 'reputation', description: 'how the running node judges each peer it has a record of: score (-100..100), state (trusted, neutral, probation, throttled, banned), verified results, counts of each observed action; lowest score first', load: async () => { const { reputationCommand } = await import('./commands/reputation.js'); return io => reputationCommand(io) } },
  { name: 'connect', description: 'dial a peer now by its multiaddr (/.../p2p/<id>)', args: '<multiaddr>', load: async () => { const { connectCommand } = await import('./commands/connect.js'); return io => connectCommand(io) } },
  { name: 'submit', description: 'submit tasks to the running node (it owns them); input from --input, --input-file or stdin, or one task per line of --inputs', load: async () => (await import('./commands/tasks.js')).submitCommand },
  { name: 'tasks', description: 'tasks this node owns, newest first (a batch: in input order); ids shortened to 12 digits (--json: in full)', load: async () => { const { tasksCommand } = await import('./commands/tasks.js'); return io => tasksCommand(io) } },
  { name: 'task', description: 'one task: state, attempts, leases, replicas and the trail of reasons', args: '<id>', load: async () => { const { taskCommand } = await import('./commands/tasks.js'); return io => taskCommand(io) } },
  { name: 'result', description: 'the output bytes of a succeeded task, on stdout', args: '<id>', load: async () => { const { resultCommand } = await import('./commands/tasks.js'); return io => resultCommand(io) } },
  { name: 'cancel', description: 'cancel a task, or every unfinished task of a batch (--key); a worker running one stops', args: '[id]', load: async () => { const { cancelCommand } = await import('./commands/tasks.js'); return io => cancelCommand(io) } },
  { name: 'batch', description: 'a batch by its key: its tasks by state, and whether it is being cancelled', args: '<key>', load: async () => { const { batchCommand } = await import('./commands/batch.js'); return io => batchCommand(io) } },
  { name: 'logs', description: 'how each attempt of a task ended, as its worker reported it: outcome, exit code, error, stderr tail', args: '<id>', load: async () => { const { logsCommand } = await import('./commands/tasks.js'); return io => logsCommand(io) } },
  { name: 'dashboard', description: "the URL of the running node's dashboard (its status, peers, tasks and charts), with the API token in the fragment; --open opens it", load: async () => { const { dashboardCommand } = await import('./commands/dashboard.js'); return io => dashboardCommand(io) } },
  { name: 'backup', description: "an online backup of the running (or stopped) node's store, through SQLite's backup API: tasks, inputs, outputs, histories (not its key)", args: '<file>', load: async () => { const { backupCommand } = await import('./commands/backup.js'); return io => backupCommand(io) } },
  { name: 'id', description: "print the peer id of the data dir's key (creating the key if needed)", load: async () => { const { idCommand } = await import('./commands/keys.js'); return io => idCommand(io) } },
  { name: 'token', description: "print the control API's bearer token (<data-dir>/api.token, 0600; made if missing)", load: async () => { const { tokenCommand } = await import('./commands/token.js'); return io => tokenCommand(io) } },
  { name: 'psk', description: 'make a new swarm key for a private network: mesh-node psk --out swarm.key', load: async () => { const { pskCommand } = await import('./commands/keys.js'); return io => pskCommand(io) } }
]

export function describeCommand (name: string): string {
  const entry = COMMANDS.find(c => c.name === name)
  if (entry == null) throw new Error(`no command ${name} in the catalog`)
  return entry.description
}
