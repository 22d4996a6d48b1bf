import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { loadOrCreateApiToken, rotateApiToken } from '../../api/token.js'
import { Output, resolveDataDir, type CliIo, type GlobalOptions } from '../context.js'

export function tokenCommand (io: CliIo): Command {
  return new Command('token')
    .description(describeCommand('token'))
    .option('--rotate', 'replace it with a new one; a running node refuses the old one from its next request')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { rotate?: boolean }>()
      const dataDir = await resolveDataDir(options, io)
      const token = options.rotate === true ? await rotateApiToken(dataDir) : await loadOrCreateApiToken(dataDir)
      new Output(io, options.json === true).result({ token, dataDir, rotated: options.rotate === true }, () => token)
    })
}
