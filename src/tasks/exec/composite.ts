import { runProcess, type SupervisorSettings } from './process-supervisor.js'
import type { CommandKind } from './command-kinds.js'
import type { Executor } from './executor.js'

/**
 * The node's executor: the built-in kinds plus the command kinds its operator declared. A kind
 * nobody declared is not run, whatever a peer asks: `canRun` is false, the worker never claims
 * it, and `run` refuses it.
 */
export function compositeExecutor (builtins: Executor, commands: ReadonlyMap<string, CommandKind>, supervisor: SupervisorSettings): Executor {
  return {
    capabilities: () => [
      ...builtins.capabilities().filter(c => !commands.has(c.kind)),
      ...[...commands.entries()].map(([kind, spec]) => ({ kind, deterministic: spec.deterministic }))
    ],
    canRun: kind => commands.has(kind) || builtins.canRun(kind),
    run: async (kind, input, options) => {
      const command = commands.get(kind)
      if (command != null) return await runProcess(command, input, options, supervisor)
      return await builtins.run(kind, input, options)
    }
  }
}
