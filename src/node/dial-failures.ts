import { errorMessage } from '../errors.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { Transport } from '@libp2p/interface'

/**
 * Why connections fail, in words a user can act on, counted for `status` and logged. libp2p
 * neither says why a dial failed in terms of its cause (a swarm key that differs shows as
 * "Message length too long", a reset or a timeout: the other side's bytes are noise) nor emits
 * anything when an inbound connection fails its handshake, so the TCP transport is observed
 * here: its dials and the upgrades of its connections, each failure classified once and tagged
 * on the error for whoever catches it later (`connect`, the redialers' logs).
 */

export const DIAL_FAILURE_TEXT = {
  private_network: 'private network key mismatch (or the peer is not on this private network)',
  refused: 'connection refused (nothing listens at that address)',
  unreachable: 'host or network unreachable',
  timeout: 'timed out',
  peer_mismatch: 'another peer answered at that address',
  denied: 'refused by the connection limits',
  handshake: 'the connection handshake failed',
  other: 'failed'
} as const

export type DialFailureReason = keyof typeof DIAL_FAILURE_TEXT
export type FailureCounts = Partial<Record<DialFailureReason, number>>

const REASON = Symbol('mesh-node dial failure reason')
/** At most one warning per direction and reason per minute: a peer with another key redials forever. */
const WARN_EVERY_MS = 60_000

function tag (err: unknown, reason: DialFailureReason): void {
  if (err == null || typeof err !== 'object' || REASON in err) return
  try {
    Object.defineProperty(err, REASON, { value: reason })
  } catch {}
}

/** The reason tagged on an error, or on one it wraps (an AggregateError of several addresses, a cause). */
function tagged (err: unknown, depth = 0): DialFailureReason | undefined {
  if (err == null || typeof err !== 'object' || depth > 4) return undefined
  const own = (err as { [REASON]?: DialFailureReason })[REASON]
  if (own != null) return own
  for (const inner of (err as { errors?: unknown[] }).errors ?? []) {
    const found = tagged(inner, depth + 1)
    if (found != null) return found
  }
  return tagged((err as { cause?: unknown }).cause, depth + 1)
}

function isAbort (err: unknown): boolean {
  return (err as Error)?.name === 'AbortError'
}

/** A failure before any byte of libp2p was exchanged: the TCP connect. */
function connectReason (err: unknown): DialFailureReason {
  const code = (err as { code?: string }).code
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable'
  if ((err as Error)?.name === 'TimeoutError' || code === 'ETIMEDOUT') return 'timeout'
  return 'other'
}

/**
 * A failure of the upgrade (pnet, then encryption, then the muxer). A node with a swarm key
 * exchanges nonces and then speaks through the key: with another key, or with a peer that has
 * none, what follows is noise, so the failure is a reset, a timeout or a garbled message
 * wherever it happens. A node without a key dialling a private one fails the same way inside
 * the encryption handshake (EncryptionFailedError). Failures that name another cause keep it.
 */
export function handshakeReason (err: unknown, privateNetwork: boolean): DialFailureReason {
  const name = (err as Error)?.name
  if (name === 'UnexpectedPeerError' || name === 'InvalidPeerIdError') return 'peer_mismatch'
  if (name === 'ConnectionDeniedError' || name === 'ConnectionInterceptedError') return 'denied'
  if (name === 'EncryptionFailedError') return 'private_network'
  if (privateNetwork && name !== 'MuxerUnavailableError') return 'private_network'
  return name === 'TimeoutError' ? 'timeout' : 'handshake'
}

/** Why a dial failed: the tagged reason, else what the error says of the TCP connect. */
export function dialFailureReason (err: unknown): DialFailureReason {
  return tagged(err) ?? connectReason(err)
}

/** One line for a failed dial: the reason in words, or the error's own message when it is not one we know. */
export function describeDialError (err: unknown): string {
  const reason = dialFailureReason(err)
  return reason === 'other' ? errorMessage(err).split('\n')[0] ?? 'failed' : DIAL_FAILURE_TEXT[reason]
}

export interface DialFailuresInit {
  /** Whether this node has a swarm key. */
  privateNetwork: boolean
  logger: Logger
  clock: Clock
}

type Direction = 'outbound' | 'inbound'

export class DialFailures {
  private readonly counts: Record<Direction, FailureCounts> = { outbound: {}, inbound: {} }
  private readonly warned = new Map<string, { at: number, suppressed: number }>()

  constructor (private readonly init: DialFailuresInit) {}

  /** Failed outbound dials and inbound handshakes since start, by reason. */
  snapshot (): { outbound: FailureCounts, inbound: FailureCounts } {
    return { outbound: { ...this.counts.outbound }, inbound: { ...this.counts.inbound } }
  }

  record (direction: Direction, reason: DialFailureReason, addr: string, err: unknown): void {
    const counts = this.counts[direction]
    counts[reason] = (counts[reason] ?? 0) + 1
    const { logger } = this.init
    const fields = { direction, addr, reason, err: errorMessage(err).split('\n')[0] }
    const text = direction === 'outbound' ? `cannot connect to ${addr}: ${DIAL_FAILURE_TEXT[reason]}` : `an inbound connection from ${addr} failed: ${DIAL_FAILURE_TEXT[reason]}`
    if (reason !== 'private_network') {
      logger.debug(fields, text)
      return
    }
    // A misconfigured network is the operator's to fix: say so, but not at every redial.
    const key = `${direction}/${reason}`
    const now = this.init.clock.now()
    const last = this.warned.get(key)
    if (last != null && now - last.at < WARN_EVERY_MS) {
      last.suppressed++
      return
    }
    this.warned.set(key, { at: now, suppressed: 0 })
    // The library's own words ("Message length length too long - 5 > 2", or a reset, whichever
    // side noticed first) only confuse here: they are kept for debug logs.
    logger.debug(fields, text)
    logger.warn({ direction, addr, reason, ...(last != null && last.suppressed > 0 ? { suppressed: last.suppressed } : {}) }, text)
  }

  /** `factory` (a transport, e.g. tcp()) with its dials and its connections' upgrades observed. */
  transport<C> (factory: (components: C) => Transport): (components: C) => Transport {
    return components => {
      const inner = factory(components)
      const { privateNetwork } = this.init
      const failures = this
      /** The upgrader, with `method` tagging what it throws by handshakeReason (and recording inbound failures). */
      const observeUpgrader = <U extends object>(upgrader: U, method: 'upgradeOutbound' | 'upgradeInbound'): U => new Proxy(upgrader, {
        get (target, prop) {
          const value = Reflect.get(target, prop, target) as unknown
          if (typeof value !== 'function') return value
          if (prop !== method) return value.bind(target)
          return async (maConn: { remoteAddr: { toString: () => string } }, options: unknown) => {
            try {
              return await value.call(target, maConn, options)
            } catch (err) {
              const reason = handshakeReason(err, privateNetwork)
              tag(err, reason)
              if (method === 'upgradeInbound' && !isAbort(err)) failures.record('inbound', reason, maConn.remoteAddr.toString(), err)
              throw err
            }
          }
        }
      })
      return new Proxy(inner, {
        get (target, prop) {
          const value = Reflect.get(target, prop, target) as unknown
          if (prop === 'dial') {
            return async (ma: { toString: () => string }, options: Parameters<Transport['dial']>[1]) => {
              try {
                return await target.dial(ma as Parameters<Transport['dial']>[0], { ...options, upgrader: observeUpgrader(options.upgrader, 'upgradeOutbound') })
              } catch (err) {
                // A dial libp2p called off (another address won, the node stops) is no failure.
                if (!isAbort(err)) {
                  const reason = dialFailureReason(err)
                  tag(err, reason)
                  failures.record('outbound', reason, ma.toString(), err)
                }
                throw err
              }
            }
          }
          if (prop === 'createListener') {
            return (options: Parameters<Transport['createListener']>[0]) => target.createListener({ ...options, upgrader: observeUpgrader(options.upgrader, 'upgradeInbound') })
          }
          return typeof value === 'function' ? value.bind(target) : value
        }
      })
    }
  }
}
