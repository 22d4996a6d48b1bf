import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Config values the CLI's client commands need without loading the config schema (zod alone
 * takes ≈ 90 ms to load here; a client command must answer in 150 ms): ./config.ts re-exports
 * them.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export interface ApiAddress {
  host: string
  port: number
}

/** The environment variable of the data dir (config-sources.ts ENV_VARS.dataDir). */
export const DATA_DIR_ENV = 'MESH_DATA_DIR'

export function defaultDataDir (): string {
  return join(homedir(), '.mesh-node')
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export function isLoopbackHost (host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Parses "host:port" or "http://host:port"; the control API listens on loopback only. */
export function parseApiAddress (value: string): ApiAddress | undefined {
  const match = /^(?:http:\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(value.trim())
  if (match == null) return undefined
  const port = Number(match[2])
  if (port > 65535) return undefined
  const host = match[1] as string
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port }
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 }

/** A byte count from text such as "512MiB", "4G" or "1500000"; undefined if it is not one. */
export function parseByteSize (value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value)
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()]
  return match == null || unit == null ? undefined : Math.floor(Number(match[1]) * unit)
}
