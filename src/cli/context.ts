import { ApiClient } from '../api/client.js'
import { readApiFile } from '../api/api-file.js'
import { readApiToken } from '../api/token.js'
import { MeshError, isMeshError, errorMessage } from '../errors.js'
import { defaultDataDir, isLoopbackHost, parseApiAddress, rawConfigSchema } from '../node/config.js'
import { ENV_VARS, readConfigFile } from '../node/config-sources.js'
import { lockHolder } from '../node/data-dir-lock.js'
import { resolve } from 'node:path'

/** Options every subcommand accepts, before or after its name. */
export interface GlobalOptions {
  dataDir?: string
  api?: string
  token?: string
  json?: boolean
  config?: string
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
}

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const

export function exitCodeFor (err: unknown): number {
  if (!isMeshError(err)) return EXIT.failed
  switch (err.code) {
    case 'CONFIG_INVALID':
    case 'SWARM_KEY_INVALID':
    case 'KEY_INVALID':
    case 'BAD_REQUEST':
    case 'AMBIGUOUS_ID':
    case 'DATA_DIR_LOCKED':
      return EXIT.usage
    case 'NODE_UNREACHABLE':
      return EXIT.unreachable
    default:
      return EXIT.failed
  }
}

/** One line on stderr, never a stack trace. */
export function reportError (io: CliIo, err: unknown): number {
  const code = exitCodeFor(err)
  io.stderr.write(`mesh-node: ${errorMessage(err).split('\n')[0] ?? 'error'}\n`)
  return code
}

export class Output {
  constructor (private readonly io: CliIo, readonly json: boolean) {}

  /** Writes `value` as JSON with --json, else the human-readable text. */
  result (value: unknown, text: () => string): void {
    this.io.stdout.write(this.json ? JSON.stringify(value) + '\n' : text() + '\n')
  }
}

/** The data dir a client command looks at: --data-dir, MESH_DATA_DIR, the config file's, the default. */
export async function resolveDataDir (options: GlobalOptions, io: CliIo): Promise<string> {
  let fromFile: string | undefined
  if (options.config != null) {
    const value = (await readConfigFile(resolve(io.cwd, options.config))).dataDir
    const parsed = rawConfigSchema.shape.dataDir.safeParse(value)
    if (!parsed.success) throw new MeshError('CONFIG_INVALID', `invalid config: dataDir: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
    if (value !== undefined) fromFile = parsed.data
  }
  const dir = options.dataDir ?? io.env[ENV_VARS.dataDir] ?? fromFile ?? defaultDataDir()
  return resolve(io.cwd, dir)
}

/**
 * A client for the running node: --api (+ --token / MESH_TOKEN), else the data dir's api.json and
 * api.token. With --api the data dir's token is not sent: whatever listens on that port (another
 * user's process) would get it.
 */
export async function connectToNode (options: GlobalOptions, io: CliIo): Promise<ApiClient> {
  const token = options.token ?? io.env.MESH_TOKEN
  if (options.api != null) {
    const address = parseApiAddress(options.api)
    if (address == null) throw new MeshError('CONFIG_INVALID', `--api: "${options.api}" is not host:port (for example 127.0.0.1:7373)`)
    // The token travels in clear HTTP: only ever to this machine.
    if (!isLoopbackHost(address.host)) throw new MeshError('CONFIG_INVALID', `--api: the control API is on loopback only, not on ${address.host}`)
    const host = address.host.includes(':') ? `[${address.host}]` : address.host
    return new ApiClient({ url: `http://${host}:${address.port}`, ...(token != null ? { token } : {}) })
  }
  const dataDir = await resolveDataDir(options, io)
  const file = await readApiFile(dataDir).catch(async err => {
    const pid = await lockHolder(dataDir)
    if (pid == null) throw err
    throw new MeshError('NODE_UNREACHABLE', `the node on data dir ${dataDir} (pid ${pid}) runs without a control API (--api off)`, { dataDir, pid })
  })
  const stored = token ?? await readApiToken(dataDir)
  return new ApiClient({ url: file.url, ...(stored != null ? { token: stored } : {}) })
}
