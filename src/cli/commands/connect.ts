import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { connectToNode, Output, type CliIo, type GlobalOptions } from '../context.js'

export function connectCommand (io: CliIo): Command {
  return new Command('connect')
    .description(describeCommand('connect'))
    .argument('<multiaddr>', 'address of the peer, ending in /p2p/<peer id>')
    .action(async (addr: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const result = await (await connectToNode(options, io)).post<{ peerId: string }>('/v1/peers', { addr })
      new Output(io, options.json === true).result(result, () => `connected to ${result.peerId}`)
    })
}
