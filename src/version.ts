import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package version, read from the package.json above this module (works from src/ and dist/src/). */
function readVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'mesh-node' && pkg.version != null) return pkg.version
    } catch {}
    dir = dirname(dir)
  }
  return '0.0.0'
}

export const VERSION = readVersion()
