import { Command, CommanderError, Option } from 'commander'
import { VERSION } from '../version.js'
import { connectCommand } from './commands/connect.js'
import { peersCommand } from './commands/peers.js'
import { reputationCommand } from './commands/reputation.js'
import { statusCommand } from './commands/status.js'
import { cancelCommand, logsCommand, resultCommand, submitCommand, taskCommand, tasksCommand } from './commands/tasks.js'
import { idCommand, pskCommand } from './commands/keys.js'
import { startCommand } from './commands/start.js'
import { tokenCommand } from './commands/token.js'
import { batchCommand } from './commands/batch.js'
import { EXIT, reportError, type CliIo } from './context.js'

export function buildProgram (io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('mesh-node')
    .description('a peer-to-peer worker mesh on libp2p gossipsub')
    .version(VERSION, '-V, --version')
    .option('--data-dir <dir>', 'data directory (env MESH_DATA_DIR, default ~/.mesh-node)')
    .option('--api <host:port>', 'control API address: where "start" listens (default 127.0.0.1:7373), where other commands connect (default: read <data-dir>/api.json)')
    .option('--token <token>', 'API token for every command but status and peers (env MESH_TOKEN; default: <data-dir>/api.token, not sent with --api)')
    .addOption(new Option('--config <file>', 'JSON config file'))
    .option('--json', 'machine-readable output')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: text => { io.stdout.write(text) },
      writeErr: text => { io.stderr.write(text) },
      outputError: (text, write) => { write(`mesh-node: ${text.replace(/^error: /, '').trim()}\n`) }
    })
    .exitOverride()

  for (const command of [
    startCommand(io, setExitCode),
    statusCommand(io),
    peersCommand(io),
    reputationCommand(io),
    connectCommand(io),
    submitCommand(io, setExitCode),
    tasksCommand(io),
    taskCommand(io),
    resultCommand(io),
    cancelCommand(io),
    batchCommand(io),
    logsCommand(io),
    idCommand(io),
    tokenCommand(io),
    pskCommand(io)
  ]) {
    program.addCommand(command
      .configureOutput(program.configureOutput())
      .configureHelp({ showGlobalOptions: true })
      .exitOverride())
  }
  return program
}

/** Runs the CLI and returns its exit code: 0 ok, 1 failed, 2 usage or config, 3 node unreachable. */
export async function runCli (argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok
  const program = buildProgram(io, c => { code = c })
  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; help shown because of a mistake (no command, unknown topic) is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    return reportError(io, err)
  }
}
