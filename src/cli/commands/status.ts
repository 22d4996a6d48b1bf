import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { connectToNode, Output, type CliIo, type GlobalOptions } from '../context.js'
import type { MeshNodeStatus } from '../../node/mesh-node.js'
import { DIAL_FAILURE_TEXT, type DialFailureReason, type FailureCounts } from '../../node/dial-failures.js'

function formatUptime (ms: number): string {
  const s = Math.floor(ms / 1000)
  const parts = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']] as const
  const shown = parts.filter(([n], i) => n > 0 || i === parts.length - 1)
  return shown.map(([n, unit]) => `${n}${unit}`).join(' ')
}

/** Failed connections by reason, commonest first: nothing when there were none. */
function failureLines (label: string, counts: FailureCounts | undefined): string[] {
  const entries = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) return []
  return [`${label.padEnd(9)} ${entries.map(([reason, n]) => `${n} ${DIAL_FAILURE_TEXT[reason as DialFailureReason] ?? reason}`).join('; ')}`]
}

const REACHABILITY_TEXT: Record<string, string> = {
  public: 'public (peers can dial this node)',
  private: 'private (peers cannot dial this node: behind a NAT or a firewall)',
  unknown: 'unknown (no peer has answered a dial-back check yet)'
}

export function statusCommand (io: CliIo): Command {
  return new Command('status')
    .description(describeCommand('status'))
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>()
      const status = await (await connectToNode(options, io)).get<MeshNodeStatus>('/v1/status')
      new Output(io, options.json === true).result(status, () => [
        `peer id   ${status.peerId}`,
        `network   ${status.network}${status.privateNetwork ? ' (private)' : ''}`,
        `version   ${status.version}`,
        `uptime    ${formatUptime(status.uptimeMs)}`,
        `peers     ${status.peers} connected`,
        `discovery mdns ${status.mdns ? 'on' : 'off'}, dht ${status.dht ? 'on' : 'off'}`,
        `reachable ${REACHABILITY_TEXT[status.reachability] ?? status.reachability}`,
        ...(status.observedAddrs?.length > 0 ? ['seen at', ...status.observedAddrs.map(addr => `  ${addr}`)] : []),
        ...(status.announcedAddrs?.length > 0 ? ['announced', ...status.announcedAddrs.map(addr => `  ${addr}`)] : []),
        ...(status.relayAddrs?.length > 0 ? ['through relays', ...status.relayAddrs.map(addr => `  ${addr}`)] : []),
        ...(status.avoidedRelays?.length > 0 ? ['relays avoided', ...status.avoidedRelays.map(r => `  ${r.peerId} ${r.reason}, for ${formatUptime(r.remainingMs)}`)] : []),
        ...(status.relay != null ? [`relaying ${status.relay.reservations}/${status.relay.maxReservations} reservations; ${formatUptime(status.relay.durationMs)} and ${formatSize(status.relay.dataBytes)} per relayed connection`] : []),
        ...failureLines('failed dials', status.failedDials),
        ...failureLines('failed inbound', status.failedInbound),
        'addrs',
        ...status.addrs.map(addr => `  ${addr}`)
      ].join('\n'))
    })
}

/** Bytes as the largest binary unit that keeps a whole number of at least 1 (16 MiB, 1500 B). */
function formatSize (bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`
  }
  return `${bytes} B`
}
