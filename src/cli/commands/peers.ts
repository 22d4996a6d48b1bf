import { Command } from 'commander'
import { connectToNode, Output, type CliIo, type GlobalOptions } from '../context.js'
import type { PeerSummary } from '../../node/mesh-node.js'

export function peersCommand (io: CliIo): Command {
  return new Command('peers')
    .description('peers the running node knows, with addresses and whether each is connected')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const peers = await (await connectToNode(options, io)).get<PeerSummary[]>('/v1/peers')
      new Output(io, options.json === true).result(peers, () => peers.length === 0
        ? 'no known peers'
        : peers.map(peer => `${peer.connected ? 'connected   ' : 'disconnected'} ${peer.peerId}\n${peer.addrs.map(a => `    ${a}`).join('\n')}`).join('\n'))
    })
}
