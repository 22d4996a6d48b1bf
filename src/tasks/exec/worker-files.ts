import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A worker-thread script in workers/ (plain JavaScript, so it runs as it is), found from this
 * module whether it runs from src/ or dist/src/.
 */
export function workerFile (name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'workers', name)
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  throw new Error(`workers/${name} not found`)
}
