import { readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { MeshError } from '../errors.js'
import { writePrivateFile } from '../node/identity.js'

/** `<data-dir>/api.json` tells the CLI where the running node's API is (the token is in api.token). */
export const API_FILE = 'api.json'

export const apiFileSchema = z.object({ url: z.string().url() })
export type ApiFile = z.infer<typeof apiFileSchema>

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
  try {
    return apiFileSchema.parse(JSON.parse(text))
  } catch {
    throw new MeshError('NODE_UNREACHABLE', `${path} is damaged; restart the node to rewrite it`, { path })
  }
}
