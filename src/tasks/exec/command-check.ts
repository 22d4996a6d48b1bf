import { accessSync, constants, statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { taskEnvironment } from './process-supervisor.js'
import type { CommandKind } from './command-kinds.js'

/**
 * Whether each declared command kind can run at all: its program (argv[0]) must resolve to an
 * executable file the way the supervisor will start it, with the task's PATH and from the
 * task's fresh working directory. A kind that cannot is left out of what the node offers (a
 * worker that claims it would fail every attempt with exit 127, each a charge against itself).
 */

export interface UnrunnableKind {
  kind: string
  program: string
  /** Why, in words: "no such file", "not executable", "not found in PATH ...". */
  reason: string
}

/** Why `path` is not an executable regular file, or undefined when it is one. */
function notExecutable (path: string): string | undefined {
  let stats
  try {
    stats = statSync(path)
  } catch {
    return 'no such file'
  }
  if (!stats.isFile()) return 'not a regular file'
  try {
    accessSync(path, constants.X_OK)
    return undefined
  } catch {
    return 'not executable by this user'
  }
}

/** Why `kind`'s program would not start, or undefined when it resolves to an executable. */
export function commandProblem (kind: Pick<CommandKind, 'argv' | 'env'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const program = kind.argv[0] ?? ''
  if (program.includes('/')) {
    // The task runs in a fresh empty directory: a relative path there names nothing.
    if (!isAbsolute(program)) return 'a relative path (tasks run in a fresh empty directory: give an absolute path)'
    return notExecutable(program)
  }
  const path = taskEnvironment(kind, '/', env).PATH ?? ''
  const dirs = path.split(':').filter(dir => isAbsolute(dir))
  if (dirs.some(dir => notExecutable(join(dir, program)) == null)) return undefined
  return `not found in the tasks' PATH (${path})`
}

/** The declared kinds whose programs would not start, with why. */
export function unrunnableKinds (commands: ReadonlyMap<string, Pick<CommandKind, 'argv' | 'env'>>, env: NodeJS.ProcessEnv = process.env): UnrunnableKind[] {
  const out: UnrunnableKind[] = []
  for (const [kind, spec] of commands) {
    const reason = commandProblem(spec, env)
    if (reason != null) out.push({ kind, program: spec.argv[0] ?? '', reason })
  }
  return out
}
