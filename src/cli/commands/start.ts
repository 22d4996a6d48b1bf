import { describeCommand } from '../catalog.js'
import { Command, Option } from '../commander.js'
import { LOG_LEVELS } from '../../node/config-values.js'
import type { CliIo } from '../context.js'
import type { StartFlags } from './start-run.js'

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

export function startCommand (io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('start')
    .description(describeCommand('start'))
    .option('--listen <multiaddr>', 'address to listen on, repeatable (default /ip4/0.0.0.0/tcp/4001, and /ip6/::/tcp/4001 where the host has IPv6)', collect)
    .option('--announce <multiaddr>', 'address to give peers instead of the listen addresses (your public address, if you know it), repeatable', collect)
    .option('--relay', 'serve as a circuit relay for peers behind NATs (a node peers can dial)')
    .option('--relay-max-reservations <n>', 'as a relay: peers holding a reservation at once, one each (default 64)')
    .option('--relay-max-duration-ms <ms>', 'as a relay: how long one relayed connection may last (default 600000)')
    .option('--relay-max-bytes <size>', 'as a relay: bytes one relayed connection may carry, e.g. 16MiB (default 16MiB)')
    .option('--bootstrap <multiaddr>', 'peer to join through, /.../p2p/<id>, repeatable', collect)
    .option('--network <name>', 'network name; topics and protocols are namespaced by it (default mesh)')
    .option('--swarm-key <file>', 'pre-shared key file for a private network (make one with "mesh-node psk --out swarm.key")')
    .option('--mdns', 'discover peers on the LAN with mDNS')
    .option('--no-mdns', 'do not use mDNS (the default)')
    .option('--dht', 'join the Kademlia DHT for peer discovery')
    .option('--no-dht', 'do not join the DHT (the default)')
    .option('--target-peers <n>', 'below this many connections, dial peers remembered from earlier runs, best first (default 8)')
    .option('--max-connections <n>', 'open connections at most; past it inbound ones are refused and the least valued closed (default 300)')
    .option('--max-inbound-per-ip <n>', 'inbound connections from one IPv4 address or IPv6 /64 at most; loopback exempt (default 8)')
    .option('--max-inbound-per-subnet <n>', 'inbound connections from one IPv4 /24 or IPv6 /48 at most; loopback exempt (default 32)')
    .option('--slots <n>', 'tasks this node runs at once (default: number of CPUs)')
    .option('--heartbeat-ms <ms>', 'heartbeat interval on a small mesh (default 1000; widens with the mesh)')
    .option('--no-worker', 'own and submit tasks but run none')
    .option('--lease-ttl-ms <ms>', 'lease time to live for tasks this node owns (default 5000)')
    .option('--drain-timeout <ms>', 'on SIGTERM/SIGINT, how long running tasks may finish before they are stopped and released (default 10000)')
    .option('--memory <size>', 'memory running tasks may reserve in all, e.g. 4GiB (default: 3/4 of RAM)')
    .option('--allow-wasm', 'run WebAssembly (WASI) tasks from any peer, sandboxed: no files, no network, memory and time caps')
    .option('--wasm-max-memory <size>', 'refuse wasm modules whose declared memory maximum is above this (default 256MiB)')
    .option('--strict-exec', 'refuse to start (exit 2) when a command kind\'s program does not resolve to an executable, instead of leaving that kind out')
    .option('--allow-exec <name=command>', 'run tasks of kind <name> with this fixed command line (input on stdin, output from stdout; split like a shell splits words, nothing expanded); repeatable', collect)
    .addOption(new Option('--log-level <level>', 'log level (default info)').choices([...LOG_LEVELS]))
    .addHelpText('after', `
The API address comes from the global --api (default 127.0.0.1:7373; port 0 picks a free one).
Precedence: flags > environment (MESH_* variables: MESH_DATA_DIR, MESH_LISTEN, MESH_BOOTSTRAP,
MESH_RELAY, ...; the README's "Configuration" lists each; lists comma-separated) >
--config file (JSON) > defaults.`)
    .action(async (_options: unknown, command: Command) => {
      // The node itself (libp2p, SQLite) loads only for this command: the others answer fast.
      const { runStart } = await import('./start-run.js')
      setExitCode(await runStart(command.optsWithGlobals<StartFlags>(), io))
    })
}
