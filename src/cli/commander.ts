import { createRequire } from 'node:module'
import type * as Commander from 'commander'

// commander is CommonJS: required here directly rather than imported through its ES module
// wrapper, which makes Node parse it a second time to find its exports (≈ 2 ms of the 150 ms a
// CLI call may take).
const commander = createRequire(import.meta.url)('commander') as typeof Commander

export const { Command, CommanderError, Option } = commander
export type Command = Commander.Command
export type CommanderError = Commander.CommanderError
export type Option = Commander.Option
