import { resolve } from 'node:path'
import { MeshError, isMeshError, errorMessage } from '../errors.js'
import { DATA_DIR_ENV, defaultDataDir, isLoopbackHost, parseApiAddress } from '../node/config-values.js'
import type { ApiClient } from '../api/client.js'

// What a command needs to reach the node (HTTP, the data dir's files) loads when it does: the
// CLI answers --help and usage errors without it (./main.ts: every command loads what it uses).

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
    const { readConfigFile } = await import('../node/config-sources.js')
    const value = (await readConfigFile(resolve(io.cwd, options.config))).dataDir
    // The schema (and zod) only when a config file is given: a client command stays fast without.
    const { rawConfigSchema } = await import('../node/config.js')
    const parsed = rawConfigSchema.shape.dataDir.safeParse(value)
    if (!parsed.success) throw new MeshError('CONFIG_INVALID', `invalid config: dataDir: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
    if (value !== undefined) fromFile = parsed.data
  }
  const dir = options.dataDir ?? io.env[DATA_DIR_ENV] ?? fromFile ?? defaultDataDir()
  return resolve(io.cwd, dir)
}

/**
 * A client for the running node: --api (+ --token / MESH_TOKEN), else the data dir's api.json and
 * api.token. With --api the data dir's token is not sent: whatever listens on that port (another
 * user's process) would get it.
 */
export async function connectToNode (options: GlobalOptions, io: CliIo): Promise<ApiClient> {
  const [{ ApiClient }, { readApiFile }, { readApiToken }, dataDir] = await Promise.all([
    import('../api/client.js'), import('../api/api-file.js'), import('../api/token.js'),
    options.api != null ? undefined : resolveDataDir(options, io)
  ])
  const token = options.token ?? io.env.MESH_TOKEN
  if (options.api != null) {
    const address = parseApiAddress(options.api)
    if (address == null) throw new MeshError('CONFIG_INVALID', `--api: "${options.api}" is not host:port (for example 127.0.0.1:7373)`)
    // The token travels in clear HTTP: only ever to this machine.
    if (!isLoopbackHost(address.host)) throw new MeshError('CONFIG_INVALID', `--api: the control API is on loopback only, not on ${address.host}`)
    const host = address.host.includes(':') ? `[${address.host}]` : address.host
    return new ApiClient({ url: `http://${host}:${address.port}`, ...(token != null ? { token } : {}) })
  }
  if (dataDir == null) throw new Error('unreachable: no data dir without --api')
  // Both files at once; the API file's problem is the one reported first.
  const reading = token != null ? Promise.resolve(token) : readApiToken(dataDir)
  reading.catch(() => {})
  const file = await readApiFile(dataDir).catch(async err => {
    const pid = await (await import('../node/data-dir-lock.js')).lockHolder(dataDir)
    if (pid == null) throw err
    throw new MeshError('NODE_UNREACHABLE', `the node on data dir ${dataDir} (pid ${pid}) runs without a control API (--api off)`, { dataDir, pid })
  })
  const stored = await reading
  return new ApiClient({ url: file.url, ...(stored != null ? { token: stored } : {}) })
}
