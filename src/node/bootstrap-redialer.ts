import { multiaddr } from '@multiformats/multiaddr'
import { describeDialError } from './dial-failures.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { Libp2p } from '@libp2p/interface'

export interface BootstrapRedialerInit {
  libp2p: Pick<Libp2p, 'getConnections' | 'dial'>
  addrs: string[]
  intervalMs: number
  clock: Clock
  logger: Logger
}

/**
 * libp2p's bootstrap module dials its list once at start, and its reconnect queue gives up
 * after a few tries. A node started before its bootstrap peers, or cut off for a while, would
 * stay alone; this dials the list again whenever the node has no connection at all.
 */
export class BootstrapRedialer {
  private handle?: unknown
  private dialing = false
  /** One warning per outage; the rest go to debug. */
  private warned = false

  constructor (private readonly init: BootstrapRedialerInit) {}

  start (): void {
    if (this.handle != null || this.init.addrs.length === 0) return
    this.handle = this.init.clock.setInterval(() => { void this.tick() }, this.init.intervalMs)
  }

  stop (): void {
    if (this.handle == null) return
    this.init.clock.clearInterval(this.handle)
    this.handle = undefined
  }

  async tick (): Promise<void> {
    if (this.init.libp2p.getConnections().length > 0) {
      this.warned = false
      return
    }
    if (this.dialing) return
    this.dialing = true
    try {
      await Promise.all(this.init.addrs.map(async addr => {
        try {
          await this.init.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.init.intervalMs) })
        } catch (err) {
          const fields = { addr, err: describeDialError(err) }
          if (this.warned) {
            this.init.logger.debug(fields, 'bootstrap redial failed')
          } else {
            this.init.logger.warn(fields, 'no connection and cannot reach a bootstrap peer (is it up, and on the same private network?)')
          }
        }
      }))
    } finally {
      this.warned = true
      this.dialing = false
    }
  }
}
