import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { connectToNode, Output, type CliIo, type GlobalOptions } from '../context.js'
import type { PeerSummary } from '../../node/mesh-node.js'

function age (ms: number | null): string {
  if (ms == null) return '-'
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`
}

function describe (peer: PeerSummary): string {
  const kinds = peer.capabilities.map(c => c.deterministic ? c.kind : `${c.kind}*`).join(',') || '-'
  const slots = peer.slots == null ? '-' : `${peer.slots.free}/${peer.slots.total}`
  const head = [peer.peerId, peer.connected ? `connected (${peer.connection ?? 'direct'})` : 'disconnected', peer.state, `slots ${slots}`, `heartbeat ${age(peer.lastSeenMs)} ago`, `kinds ${kinds}`]
  if (!peer.connected) {
    const now = Date.now()
    head.push(`last connected ${peer.lastConnectedAt == null ? 'never' : `${age(now - peer.lastConnectedAt)} ago`}`)
    if (peer.nextDialAt != null) head.push(`next dial in ${age(Math.max(0, peer.nextDialAt - now))} (${peer.dialFailures} failed)`)
  }
  return [head.join('  '), ...peer.addrs.map(a => `    ${a}`)].join('\n')
}

export function peersCommand (io: CliIo): Command {
  return new Command('peers')
    .description(describeCommand('peers'))
    .addHelpText('after', '\nIn the text output a kind marked * is not deterministic.')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const peers = await (await connectToNode(options, io)).get<PeerSummary[]>('/v1/peers')
      new Output(io, options.json === true).result(peers, () => peers.length === 0 ? 'no known peers' : peers.map(describe).join('\n'))
    })
}
