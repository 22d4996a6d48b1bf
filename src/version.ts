import { readFileSync } from 'node:fs'

/**
 * The package version, from the package.json above this module: two levels up from dist/src/,
 * one from src/ (tests). Read once, at load; every CLI call loads it, so no failing reads (a
 * thrown ENOENT costs more than the read).
 */
function readVersion (): string {
  for (const relative of ['../../package.json', '../package.json']) {
    let text: string
    try {
      text = readFileSync(new URL(relative, import.meta.url), 'utf8')
    } catch {
      continue
    }
    const pkg = JSON.parse(text) as { name?: string, version?: string }
    if (pkg.name === 'mesh-node' && pkg.version != null) return pkg.version
  }
  return '0.0.0'
}

export const VERSION = readVersion()
