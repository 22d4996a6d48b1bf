import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { connectToNode, Output, type CliIo, type GlobalOptions } from '../context.js'
import type { PeerReputation } from '../../reputation/reputation.js'

export function reputationCommand (io: CliIo): Command {
  return new Command('reputation')
    .description(describeCommand('reputation'))
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const peers = await (await connectToNode(options, io)).get<PeerReputation[]>('/v1/reputation')
      new Output(io, options.json === true).result(peers, () => peers.length === 0
        ? 'no peer records yet'
        : peers.map(p => {
          const counts = Object.entries(p.counts).map(([action, n]) => `${action} ${n}`).join(', ')
          return `${p.peerId}  ${p.state.padEnd(9)}  score ${p.score.toFixed(2).padStart(7)}  verified ${p.verified}${counts === '' ? '' : `  (${counts})`}`
        }).join('\n'))
    })
}
