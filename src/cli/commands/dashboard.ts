import { spawn } from 'node:child_process'
import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { MeshError } from '../../errors.js'
import { Output, connectToNode, resolveDataDir, type CliIo, type GlobalOptions } from '../context.js'

/**
 * `mesh-node dashboard [--open]`: the URL of the node's dashboard, with the API token in its
 * fragment (a browser never sends the fragment to the server, so it does not land in any log;
 * the page keeps it for the tab and sends it as a header). For a remote node, forward its API
 * port first (`ssh -L 7373:127.0.0.1:7373 host`) and open the printed URL here.
 */
export function dashboardCommand (io: CliIo): Command {
  return new Command('dashboard')
    .description(describeCommand('dashboard'))
    .option('--open', 'also open it in the default browser (xdg-open, or open on macOS)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { open?: boolean }>()
      let url: string
      let token = options.token ?? io.env.MESH_TOKEN
      if (options.api != null) {
        // A forwarded port (ssh -L): the token must be given, the data dir's is another node's.
        url = (await connectToNode(options, io)).baseUrl
        if (token == null) throw new MeshError('CONFIG_INVALID', 'with --api, give the node\'s token with --token (or MESH_TOKEN): "mesh-node token" on its machine prints it')
      } else {
        const [{ readApiFile }, { readApiToken }] = await Promise.all([import('../../api/api-file.js'), import('../../api/token.js')])
        const dataDir = await resolveDataDir(options, io)
        url = (await readApiFile(dataDir)).url
        token ??= await readApiToken(dataDir)
        if (token == null) throw new MeshError('CONFIG_INVALID', `no API token in ${dataDir} (make one with "mesh-node token")`)
      }
      const page = `${url}/#token=${token}`
      new Output(io, options.json === true).result({ url: page }, () => page)
      if (options.open === true) {
        const opener = process.platform === 'darwin' ? 'open' : 'xdg-open'
        await new Promise<void>(resolve => {
          const child = spawn(opener, [page], { detached: true, stdio: 'ignore' })
          child.once('error', () => { io.stderr.write(`mesh-node: cannot open a browser here (no ${opener}): open the URL above\n`); resolve() })
          child.once('spawn', () => { child.unref(); resolve() })
        })
      }
    })
}
