import { parse } from 'shell-quote'
import { z } from 'zod'
import { MeshError } from '../../errors.js'
import { LIMITS } from '../../gossip/wire/limits.js'
import { WASM_KIND } from '../spec.js'

/**
 * Operator-declared command kinds: a task kind mapped to a fixed command line. A remote peer
 * chooses only the kind and the stdin bytes, never the command, its arguments or environment.
 */
export interface CommandKind {
  argv: string[]
  /** Names of environment variables passed through from the node's environment. */
  env: string[]
  deterministic: boolean
  /** Exit codes that mean "retrying will not help". */
  nonRetryableExitCodes: number[]
  /** stdout over this fails the task. */
  maxOutputBytes: number
  /** prlimit limits, where `prlimit` exists. */
  limits: { cpuSeconds?: number, memoryBytes?: number, openFiles?: number }
}

/** By default exit code 2 (misuse) and the sysexits range 64-78 (bad usage, bad data, ...) are final. */
export const DEFAULT_NON_RETRYABLE = [2, ...Array.from({ length: 15 }, (_, i) => 64 + i)]

export const commandKindSchema = z.strictObject({
  argv: z.array(z.string().min(1)).min(1),
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  deterministic: z.boolean().default(false),
  nonRetryableExitCodes: z.array(z.number().int().min(1).max(255)).default(DEFAULT_NON_RETRYABLE),
  maxOutputBytes: z.number().int().min(1).max(LIMITS.blobBytes).default(16 * 1024 * 1024),
  limits: z.strictObject({
    cpuSeconds: z.number().int().min(1).optional(),
    memoryBytes: z.number().int().min(1 << 20).optional(),
    openFiles: z.number().int().min(8).optional()
  }).default({})
})

export const KIND_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/

/**
 * Parses `--allow-exec name=command args...`. The command line is split like a POSIX shell
 * splits words (quotes and backslashes), but nothing is expanded and no shell runs it:
 * `$VAR`, globs, pipes and redirections are refused.
 */
export function parseAllowExec (value: string): [string, string[]] {
  const eq = value.indexOf('=')
  const name = eq < 0 ? '' : value.slice(0, eq)
  if (!KIND_NAME.test(name)) throw new MeshError('CONFIG_INVALID', `--allow-exec: "${value}" is not name=command (name: a-z 0-9 . _ -)`)
  if (name === WASM_KIND) throw new MeshError('CONFIG_INVALID', `--allow-exec: "${WASM_KIND}" is the WebAssembly kind (--allow-wasm); pick another name`)
  const words = parse(value.slice(eq + 1), key => `$${key}`)
  const argv: string[] = []
  for (const word of words) {
    if (typeof word !== 'string' || word.includes('$')) {
      throw new MeshError('CONFIG_INVALID', `--allow-exec ${name}: only plain words are allowed (no $variables, globs, pipes or redirections)`)
    }
    argv.push(word)
  }
  if (argv.length === 0) throw new MeshError('CONFIG_INVALID', `--allow-exec ${name}: no command given`)
  return [name, argv]
}
