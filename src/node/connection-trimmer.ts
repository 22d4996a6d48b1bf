import { errorMessage } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Connection, Libp2p } from '@libp2p/interface'

/**
 * Closes connections past `maxConnections`, least valued peers first. libp2p has a pruner of its
 * own, but it closes only connections whose streams are all identify (or autonat, dcutr): every
 * peer that speaks gossipsub holds a stream on its connection, so past the limit it closes
 * nothing, and an inbound stranger keeps its slot as long as it likes. This one closes whatever
 * ranks lowest: strangers before peers that did work with this node (./peer-keeper.ts), then
 * the sum of the peer's peer-store tags (gossipsub tags its mesh peers; bootstrap peers and
 * peers that did work are tagged), then inbound before outbound (this node chose the peers it dialled), then the newest first.
 * Peers the node's work needs (lease holders, owners it owes results) are never closed.
 */

export interface ConnectionTrimmerComponents {
  libp2p: Pick<Libp2p, 'getConnections' | 'peerStore' | 'addEventListener' | 'removeEventListener'>
  logger: Logger
  /** Peers this node's work needs now. */
  wanted: () => Iterable<string>
  /** Peers that did work with this node: closed only after every stranger. */
  didWork?: (peerId: string) => boolean
}

export interface RankedConnection {
  connection: Pick<Connection, 'direction' | 'timeline'>
  /** Sum of the peer's tag values. */
  value: number
  wanted: boolean
  /** The peer did work with this node: ranks above any stranger, whatever the tags. */
  worked?: boolean
}

/** Which connections to close to be `excess` fewer: the lowest ranked, never a wanted peer's. */
export function connectionsToClose<T extends RankedConnection> (ranked: T[], excess: number): T[] {
  if (excess <= 0) return []
  const inboundFirst = (c: RankedConnection): number => c.connection.direction === 'inbound' ? 0 : 1
  return ranked
    .filter(c => !c.wanted)
    .sort((a, b) => Number(a.worked === true) - Number(b.worked === true) || a.value - b.value || inboundFirst(a) - inboundFirst(b) || b.connection.timeline.open - a.connection.timeline.open)
    .slice(0, excess)
}

export class ConnectionTrimmer {
  private running = false
  private again = false
  private started = false
  private readonly onOpen = (): void => { void this.trim() }
  /** Connections closed for being over the limit, for tests and logs. */
  closed = 0

  constructor (private readonly components: ConnectionTrimmerComponents, private readonly maxConnections: number) {}

  start (): void {
    if (this.started) return
    this.started = true
    this.components.libp2p.addEventListener('connection:open', this.onOpen)
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.components.libp2p.removeEventListener('connection:open', this.onOpen)
  }

  /** One trim at a time; connections opened meanwhile are looked at by one more. */
  async trim (): Promise<void> {
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    try {
      do {
        this.again = false
        await this.trimOnce()
      } while (this.again && this.started)
    } finally {
      this.running = false
    }
  }

  private async trimOnce (): Promise<void> {
    const { libp2p, logger } = this.components
    if (libp2p.getConnections().length <= this.maxConnections) return
    const wanted = new Set(this.components.wanted())
    const values = new Map<string, number>()
    for (const conn of libp2p.getConnections()) {
      const peer = conn.remotePeer.toString()
      if (values.has(peer)) continue
      values.set(peer, 0)
      try {
        values.set(peer, [...(await libp2p.peerStore.get(conn.remotePeer)).tags.values()].reduce((sum, tag) => sum + tag.value, 0))
      } catch {}
    }
    // Read again: connections may have closed while the tags were read.
    const open = libp2p.getConnections().filter(conn => conn.status === 'open')
    const ranked = open.map(connection => {
      const peer = connection.remotePeer.toString()
      return { connection, value: values.get(peer) ?? 0, wanted: wanted.has(peer), worked: this.components.didWork?.(peer) ?? false }
    })
    const close = connectionsToClose(ranked, open.length - this.maxConnections)
    if (close.length === 0) return
    this.closed += close.length
    logger.debug({ closing: close.length, connections: open.length, max: this.maxConnections, peers: close.map(c => c.connection.remotePeer.toString()) }, 'over maxConnections: closing the least valued connections')
    await Promise.all(close.map(async ({ connection }) => {
      try {
        await connection.close({ signal: AbortSignal.timeout(1_000) })
      } catch (err) {
        connection.abort(err instanceof Error ? err : new Error(errorMessage(err)))
      }
    }))
  }
}
