import { Command } from 'commander'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreatePrivateKey } from '../../node/identity.js'
import { generateSwarmKey } from '../../node/swarm-key.js'
import { Output, resolveDataDir, type CliIo, type GlobalOptions } from '../context.js'

export function idCommand (io: CliIo): Command {
  return new Command('id')
    .description("print the peer id of the data dir's key (creating the key if needed)")
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const dataDir = await resolveDataDir(options, io)
      const peerId = peerIdFromPrivateKey(await loadOrCreatePrivateKey(dataDir)).toString()
      new Output(io, options.json === true).result({ peerId, dataDir }, () => peerId)
    })
}

export function pskCommand (io: CliIo): Command {
  return new Command('psk')
    .description('print a new swarm key for a private network: mesh-node psk > swarm.key')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const key = new TextDecoder().decode(generateSwarmKey())
      // Into a file the key goes without a trailing newline: exactly the 95-byte swarm.key format.
      if (options.json === true) new Output(io, true).result({ swarmKey: key }, () => key)
      else io.stdout.write(io.stdout.isTTY === true ? key + '\n' : key)
    })
}
