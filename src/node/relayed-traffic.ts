import { isRelayed } from './relays.js'
import type { Connection, Libp2p } from '@libp2p/interface'

/**
 * Bytes this node sent and received over relayed (limited) connections, for /metrics (issue 14:
 * connections you can see). Counted at the ends of a relayed connection, on the relay stream
 * under it, from the moment the connection is open: what the two peers exchange through the
 * relay, encryption and framing included (the handshake before it opened is not counted), which
 * is what the relay's data limit (relayLimits in ./config.ts) is charged with.
 *
 * libp2p has no byte counters of its own without its metrics module, so this reads the circuit
 * transport's connection: `maConn.stream` is the relay stream (@libp2p/circuit-relay-v2's
 * stream-to-conn.ts). If a libp2p upgrade changes that shape, the counters stay at 0 and
 * test/integration/nat.test.ts, which expects relayed bytes after tasks through a relay, fails.
 */
export class RelayedTraffic {
  private received = 0
  private sent = 0
  private libp2p?: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'getConnections'>
  private readonly onOpen = (event: CustomEvent<Connection>): void => { this.watch(event.detail) }

  /** Counts the relayed connections of `libp2p` (one run of the node); totals carry over runs. */
  start (libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'getConnections'>): void {
    this.stop()
    this.libp2p = libp2p
    libp2p.addEventListener('connection:open', this.onOpen)
    for (const connection of libp2p.getConnections()) this.watch(connection)
  }

  stop (): void {
    this.libp2p?.removeEventListener('connection:open', this.onOpen)
    this.libp2p = undefined
  }

  bytes (): { in: number, out: number } {
    return { in: this.received, out: this.sent }
  }

  private watch (connection: Connection): void {
    if (!isRelayed(connection)) return
    const stream = (connection as unknown as { maConn?: { stream?: RelayStream } }).maConn?.stream
    if (stream == null || typeof stream.send !== 'function' || typeof stream.addEventListener !== 'function') return
    stream.addEventListener('message', (event: { data: { byteLength: number } }) => { this.received += event.data.byteLength })
    const send = stream.send.bind(stream)
    stream.send = (data: { byteLength: number }) => {
      this.sent += data.byteLength
      return send(data)
    }
  }
}

interface RelayStream {
  send: (data: { byteLength: number }) => boolean
  addEventListener: (type: 'message', listener: (event: { data: { byteLength: number } }) => void) => void
}
