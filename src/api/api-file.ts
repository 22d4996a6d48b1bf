import { readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshError } from '../errors.js'
import { writePrivateFile } from '../node/private-files.js'

/** `<data-dir>/api.json` tells the CLI where the running node's API is (the token is in api.token). */
export const API_FILE = 'api.json'

export interface ApiFile {
  url: string
}

/** The file's value, or undefined if it is not `{url}` with a URL (checked by hand: every CLI call reads it, and loading zod takes ≈ 90 ms). */
function asApiFile (value: unknown): ApiFile | undefined {
  const url = (value as { url?: unknown } | null)?.url
  return typeof url === 'string' && URL.canParse(url) ? { url } : undefined
}

export async function writeApiFile (dataDir: string, value: ApiFile): Promise<void> {
  await writePrivateFile(join(dataDir, API_FILE), JSON.stringify(value) + '\n')
}

/** Removes the file only if it is still ours (another node may have taken the data dir since). */
export async function removeApiFile (dataDir: string, url: string): Promise<void> {
  const current = await readApiFile(dataDir).catch(() => undefined)
  if (current?.url === url) await unlink(join(dataDir, API_FILE)).catch(() => {})
}

export async function readApiFile (dataDir: string): Promise<ApiFile> {
  const path = join(dataDir, API_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MeshError('NODE_UNREACHABLE', `no node is running on data dir ${dataDir} (no ${API_FILE}); start one with "mesh-node start"`, { path })
    }
    throw new MeshError('NODE_UNREACHABLE', `cannot read ${path}: ${(err as Error).message}`, { path })
  }
  let file: ApiFile | undefined
  try {
    file = asApiFile(JSON.parse(text))
  } catch {}
  if (file == null) throw new MeshError('NODE_UNREACHABLE', `${path} is damaged; restart the node to rewrite it`, { path })
  return file
}
