import { runProcess, type SupervisorSettings } from './process-supervisor.js'
import type { CommandKind } from './command-kinds.js'
import type { Executor } from './executor.js'

/**
 * The node's executor: the built-in kinds, the command kinds its operator declared, and wasm if
 * the operator allowed it. A kind nobody declared is not run, whatever a peer asks: `canRun` is
 * false, the worker never claims it, and `run` refuses it.
 */
export function compositeExecutor (builtins: Executor, commands: ReadonlyMap<string, CommandKind>, supervisor: SupervisorSettings, wasm?: Executor): Executor {
  const sandboxed = wasm == null ? [] : wasm.capabilities().filter(c => !commands.has(c.kind))
  return {
    capabilities: () => [
      ...builtins.capabilities().filter(c => !commands.has(c.kind)),
      ...[...commands.entries()].map(([kind, spec]) => ({ kind, deterministic: spec.deterministic })),
      ...sandboxed
    ],
    canRun: kind => commands.has(kind) || builtins.canRun(kind) || (wasm?.canRun(kind) ?? false),
    run: async (kind, input, options) => {
      const command = commands.get(kind)
      if (command != null) return await runProcess(command, input, options, supervisor)
      if (wasm?.canRun(kind) === true) return await wasm.run(kind, input, options)
      return await builtins.run(kind, input, options)
    }
  }
}
