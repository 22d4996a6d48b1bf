import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A file of the package (e.g. `workers/builtins.mjs`, `scripts/sim-node.mjs`), found by walking up
 * from this module, whether it runs from src/ or dist/src/.
 */
export function projectFile (path: string): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, path)
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  throw new Error(`${path} not found`)
}

/** A worker-thread script in workers/ (plain JavaScript, so it runs as it is). */
export function workerFile (name: string): string {
  return projectFile(join('workers', name))
}
