import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshError, errorMessage } from '../errors.js'
import { ensureDataDir, writePrivateFile } from '../node/private-files.js'

/** `<data-dir>/api.token`: the control API's bearer token, mode 0600, kept across restarts. */
export const TOKEN_FILE = 'api.token'

const TOKEN = /^[0-9a-f]{64}$/

const newToken = (): string => randomBytes(32).toString('hex')

async function readToken (path: string): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new MeshError('CONFIG_INVALID', `cannot read the API token ${path}: ${errorMessage(err)}`, { path })
  }
  const token = text.trim()
  if (!TOKEN.test(token)) throw new MeshError('CONFIG_INVALID', `${path} is not an API token (64 hex digits); replace it with "mesh-node token --rotate"`, { path })
  return token
}

/** The data dir's token if it has one (the CLI's way to it: it never makes one up). */
export async function readApiToken (dataDir: string): Promise<string | undefined> {
  return await readToken(join(dataDir, TOKEN_FILE))
}

/** The data dir's token, made on first use ('wx': a concurrent first use keeps the other's). */
export async function loadOrCreateApiToken (dataDir: string): Promise<string> {
  await ensureDataDir(dataDir)
  const path = join(dataDir, TOKEN_FILE)
  const existing = await readToken(path)
  if (existing != null) return existing
  const token = newToken()
  try {
    await writeFile(path, token + '\n', { mode: 0o600, flag: 'wx' })
    return token
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return await loadOrCreateApiToken(dataDir)
  }
}

/** Replaces the token (atomically: a reader sees the old one or the new one). A running node takes it at its next request. */
export async function rotateApiToken (dataDir: string): Promise<string> {
  await ensureDataDir(dataDir)
  const token = newToken()
  await writePrivateFile(join(dataDir, TOKEN_FILE), token + '\n')
  return token
}

/**
 * The token a running node checks requests against: the file's, re-read when the file changes
 * (a rotation replaces it by rename, so its inode changes), so a rotated token works and the old
 * one stops working at the next request. One stat per authenticated request.
 */
export class TokenFile {
  private current?: { token: string, version: string }

  constructor (private readonly dataDir: string) {}

  async token (): Promise<string> {
    const path = join(this.dataDir, TOKEN_FILE)
    const info = await stat(path).catch(() => undefined)
    const version = info == null ? '' : `${info.ino}:${info.mtimeMs}:${info.size}`
    if (this.current != null && this.current.version === version && version !== '') return this.current.token
    // A removed file is made again: the node never runs without a token.
    const token = await loadOrCreateApiToken(this.dataDir)
    const now = await stat(path)
    this.current = { token, version: `${now.ino}:${now.mtimeMs}:${now.size}` }
    return token
  }

  /** The token as last read (for a caller that needs it without a request, e.g. the simulation). */
  get cached (): string | undefined {
    return this.current?.token
  }
}
