import { Command, CommanderError, Option } from './commander.js'
import { VERSION } from '../version.js'
import { COMMANDS } from './catalog.js'
import { EXIT, reportError, type CliIo } from './context.js'

/** Global options that take a value: their value is not the command's name. */
const VALUED_GLOBALS = new Set(['--data-dir', '--api', '--token', '--config'])

/**
 * The command a call names (`mesh-node [globals] <command> ...`, or `mesh-node help <command>`),
 * if any: the only one built in full, so a call loads what that command uses and no more.
 */
export function namedCommand (argv: string[]): string | undefined {
  const words: string[] = []
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i] as string
    if (arg === '--') break
    if (arg.startsWith('-')) {
      if (VALUED_GLOBALS.has(arg)) i++
      continue
    }
    words.push(arg)
  }
  return words[0] === 'help' ? words[1] : words[0]
}

/**
 * The CLI: every command of the catalog, the one `argv` names built in full (its options, its
 * action), the others by name, arguments and description only (what help lists).
 */
export async function buildProgram (io: CliIo, setExitCode: (code: number) => void, argv: string[] = []): Promise<Command> {
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

  const named = namedCommand(argv)
  for (const entry of COMMANDS) {
    const stub = (): Command => {
      const listed = new Command(entry.name).description(entry.description)
      return entry.args != null ? listed.arguments(entry.args) : listed
    }
    const command = entry.name === named ? (await entry.load())(io, setExitCode) : stub()
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
  try {
    const program = await buildProgram(io, c => { code = c }, argv)
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
