import { pino, type Logger } from 'pino'
import pretty from 'pino-pretty'
import type { LogLevel } from './node/config.js'

export type { Logger }

export interface LoggerInit {
  level: LogLevel
  /** Prefix that tells nodes apart when several share a process or a terminal. */
  name?: string
  /** Human-readable lines instead of JSON; the CLI turns it on when stderr is a TTY. */
  pretty?: boolean
  /** Where lines go; stderr by default, so stdout stays for command output. */
  destination?: NodeJS.WritableStream
}

/** A logger per node: nothing about logging is shared between nodes in one process. */
export function createLogger ({ level, name, pretty: usePretty = false, destination = process.stderr }: LoggerInit): Logger {
  const stream = usePretty
    ? pretty({ destination, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
    : destination
  return pino({ level, ...(name != null ? { name } : {}), base: null }, stream)
}

export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
