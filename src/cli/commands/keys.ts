import { chmod, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { MeshError, errorMessage } from '../../errors.js'
import { Output, resolveDataDir, type CliIo, type GlobalOptions } from '../context.js'
import { knownPeerId } from '../../node/peer-id-file.js'

export function idCommand (io: CliIo): Command {
  return new Command('id')
    .description(describeCommand('id'))
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const dataDir = await resolveDataDir(options, io)
      // The peer.id the node (or an earlier call) wrote for exactly this key; else libp2p's key
      // code computes it (and writes peer.id), making the key first if there is none.
      const peerId = await knownPeerId(dataDir) ?? await (async () => {
        const [{ peerIdFromPrivateKey }, { loadOrCreatePrivateKey }] = await Promise.all([import('@libp2p/peer-id'), import('../../node/identity.js')])
        return peerIdFromPrivateKey(await loadOrCreatePrivateKey(dataDir)).toString()
      })()
      new Output(io, options.json === true).result({ peerId, dataDir }, () => peerId)
    })
}

export function pskCommand (io: CliIo): Command {
  return new Command('psk')
    .description(describeCommand('psk'))
    .option('--out <file>', 'write the key to this new file, readable by you only (mode 0600); an existing file is never overwritten')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { out?: string }>()
      const { generateSwarmKey } = await import('../../node/swarm-key.js')
      const key = generateSwarmKey()
      const text = new TextDecoder().decode(key)
      if (options.out != null) {
        const path = resolve(io.cwd, options.out)
        // 'wx': created here or not at all, so an existing key (a network's) is never replaced.
        await writeFile(path, key, { flag: 'wx', mode: 0o600 }).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST'
            ? new MeshError('BAD_REQUEST', `--out ${options.out}: the file exists; not overwriting it (a network's nodes may use that key: remove it first or pick another name)`)
            : new MeshError('BAD_REQUEST', `--out ${options.out}: cannot write: ${errorMessage(err)}`)
        })
        // The umask may have taken bits away; it cannot have added any: make it exactly 0600.
        await chmod(path, 0o600)
        new Output(io, options.json === true).result({ path }, () => `wrote a new swarm key to ${path} (mode 0600); give every node of the network this file with --swarm-key`)
        return
      }
      // Into a file the key goes without a trailing newline: exactly the 95-byte swarm.key format.
      if (options.json === true) new Output(io, true).result({ swarmKey: text }, () => text)
      else io.stdout.write(io.stdout.isTTY === true ? text + '\n' : text)
    })
}
