import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { MeshError } from '../../errors.js'
import { parseByteSize } from '../../node/config-values.js'
import { connectToNode, EXIT, Output, type CliIo, type GlobalOptions } from '../context.js'
import { readInputs, submitInputs, type InputsFormat } from './batch.js'
import { shortId } from '../../tasks/task-ids.js'
import { commonest, ProgressLine } from '../progress.js'
import type { ApiClient } from '../../api/client.js'
import type { AttemptRecord } from '../../tasks/lifecycle.js'
import type { TaskView } from '../../tasks/owner.js'

interface SubmitFlags extends GlobalOptions {
  kind: string
  input?: string
  inputFile?: string
  inputs?: string
  inputsFormat?: string
  count?: string
  redundancy?: string
  timeout?: string
  maxAttempts?: string
  priority?: string
  deadline?: string
  key?: string
  wait?: boolean
  module?: string
  slots?: string
  memory?: string
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled'])
/** Inputs and modules over this go as raw bytes: in base64 with the rest they would pass the API's 1 MiB JSON limit. */
const UPLOAD_OVER_BYTES = 512 * 1024

function integer (value: string | undefined, flag: string): number | undefined {
  if (value == null) return undefined
  if (!/^-?\d+$/.test(value)) throw new MeshError('BAD_REQUEST', `${flag} wants a whole number, got "${value}"`)
  return Number(value)
}

async function readStdin (io: CliIo & { stdin?: NodeJS.ReadableStream & { isTTY?: boolean } }): Promise<Uint8Array> {
  const stdin = io.stdin ?? process.stdin
  if ((stdin as { isTTY?: boolean }).isTTY === true) return new Uint8Array()
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer))
  return new Uint8Array(Buffer.concat(chunks))
}

/**
 * Polls until every task is finished, showing how far it is on stderr: the tasks by state and
 * the commonest reason the unfinished ones wait (progress.ts). Returns the final views.
 */
async function waitFor (client: ApiClient, ids: string[], io: CliIo): Promise<Map<string, TaskView>> {
  const done = new Map<string, TaskView>()
  const open = new Map<string, TaskView>()
  const line = new ProgressLine(io)
  for (;;) {
    const unfinished = ids.filter(id => !done.has(id))
    for (let i = 0; i < unfinished.length; i += 32) {
      const views = await Promise.all(unfinished.slice(i, i + 32).map(async id => await client.get<TaskView>(`/v1/tasks/${id}`)))
      for (const view of views) {
        if (TERMINAL.has(view.state)) {
          done.set(view.id, view)
          open.delete(view.id)
        } else {
          open.set(view.id, view)
        }
      }
    }
    const counts: Record<string, number> = {}
    for (const view of [...done.values(), ...open.values()]) counts[view.state] = (counts[view.state] ?? 0) + 1
    line.update({ done: done.size, total: ids.length, counts, waiting: commonest([...open.values()].map(v => v.waiting)) })
    if (done.size === ids.length) break
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  line.end()
  return done
}

export function submitCommand (io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('submit')
    .description(describeCommand('submit'))
    .requiredOption('--kind <kind>', 'task kind: echo, sha256, hash-loop, sleep, wasm (with --module), or a command kind a worker declared')
    .option('--module <file.wasm>', 'kind wasm: the WASI module to run (it must declare a memory maximum)')
    .option('--input <text>', 'input as text')
    .option('--input-file <file>', 'input from a file (bytes as they are)')
    .option('--inputs <file>', 'a batch: one task per line of the file ("-": stdin), each line its input')
    .option('--inputs-format <format>', 'text (each line is the input as it is, the default) or jsonl (each line {"input": "text"} or {"inputBase64": "..."})')
    .option('--count <n>', 'submit n tasks with this input (default 1)')
    .option('--redundancy <r>', 'replicas on distinct peers (default 1)')
    .option('--timeout <ms>', 'time per attempt (default 60000)')
    .option('--max-attempts <n>', 'attempts before the task fails (default 3)')
    .option('--priority <p>', '-1000..1000, higher runs first (default 0)')
    .option('--deadline <ms>', 'fail the task if not done within this time (default 24 h)')
    .option('--slots <n>', 'slots the task occupies on its worker (default 1)')
    .option('--memory <size>', 'memory the task needs, e.g. 512MiB; only workers with that much free claim it')
    .option('--key <key>', 'idempotency key: submitting again with it returns the same tasks')
    .option('--wait', 'wait until every task is finished; exit 1 if any failed or was cancelled')
    .addHelpText('after', `
Without --wait it prints the task ids. With --wait, one task: its output on success;
several: a summary line. --json prints {"ids": [...], "id": ...} (with --wait also the states).
With --inputs: --json prints {"ids": [...], "key": ...}, ids in input order; --wait --json prints a
JSON line per task as it finishes: {"index", "id", "state", "output" or "outputBase64", "error"}.`)
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<SubmitFlags>()
      if (flags.input != null && flags.inputFile != null) throw new MeshError('BAD_REQUEST', 'give --input or --input-file, not both')
      if (flags.inputs != null && (flags.input != null || flags.inputFile != null || flags.count != null)) throw new MeshError('BAD_REQUEST', '--inputs gives every input: not with --input, --input-file or --count')
      if (flags.inputsFormat != null && flags.inputs == null) throw new MeshError('BAD_REQUEST', '--inputs-format goes with --inputs')
      if (flags.inputsFormat != null && flags.inputsFormat !== 'text' && flags.inputsFormat !== 'jsonl') throw new MeshError('BAD_REQUEST', `--inputs-format is text or jsonl, not "${flags.inputsFormat}"`)
      // Flags are checked before stdin is read, so a mistake is reported at once.
      const numbers = {
        ...optional('count', integer(flags.count, '--count')),
        ...optional('redundancy', integer(flags.redundancy, '--redundancy')),
        ...optional('timeoutMs', integer(flags.timeout, '--timeout')),
        ...optional('maxAttempts', integer(flags.maxAttempts, '--max-attempts')),
        ...optional('priority', integer(flags.priority, '--priority')),
        ...optional('deadlineMs', integer(flags.deadline, '--deadline')),
        ...optional('slots', integer(flags.slots, '--slots')),
        ...optional('memoryBytes', size(flags.memory, '--memory'))
      }
      if (flags.module != null && flags.kind !== 'wasm') throw new MeshError('BAD_REQUEST', '--module is for --kind wasm only')
      if (flags.kind === 'wasm' && flags.module == null) throw new MeshError('BAD_REQUEST', '--kind wasm needs --module file.wasm')
      const module = flags.module == null ? undefined : await readFile(resolve(io.cwd, flags.module)).catch(err => { throw new MeshError('BAD_REQUEST', `cannot read ${flags.module}: ${(err as Error).message}`) })
      if (flags.inputs != null) {
        const lines = await readInputs(flags.inputs, (flags.inputsFormat ?? 'text') as InputsFormat, io)
        const client = await connectToNode(flags, io)
        const options = {
          kind: flags.kind,
          ...numbers,
          ...(module == null ? {} : module.byteLength > UPLOAD_OVER_BYTES ? { moduleBlob: (await client.postBytes<{ hash: string }>('/v1/blobs', module)).hash } : { module: module.toString('base64') }),
          ...(flags.key != null ? { key: flags.key } : {})
        }
        await submitInputs(client, options, lines, flags, io, setExitCode)
        return
      }
      const input = flags.input != null
        ? new TextEncoder().encode(flags.input)
        : flags.inputFile != null
          ? new Uint8Array(await readFile(resolve(io.cwd, flags.inputFile)).catch(err => { throw new MeshError('BAD_REQUEST', `cannot read ${flags.inputFile}: ${(err as Error).message}`) }))
          : await readStdin(io)
      const client = await connectToNode(flags, io)
      // Large bytes go raw (POST /v1/blobs) and the submission names them by hash: a JSON body is at most 1 MiB.
      const upload = async (bytes: Uint8Array): Promise<string> => (await client.postBytes<{ hash: string }>('/v1/blobs', bytes)).hash
      const request = {
        kind: flags.kind,
        ...(input.byteLength > UPLOAD_OVER_BYTES ? { inputBlob: await upload(input) } : { input: Buffer.from(input).toString('base64'), inputEncoding: 'base64' }),
        ...numbers,
        ...(module == null ? {} : module.byteLength > UPLOAD_OVER_BYTES ? { moduleBlob: await upload(module) } : { module: module.toString('base64') }),
        ...(flags.key != null ? { key: flags.key } : {})
      }
      const { ids, warning } = await client.post<{ ids: string[], warning?: string }>('/v1/tasks', request)
      if (warning != null) io.stderr.write(`mesh-node: warning: ${warning}\n`)
      const out = new Output(io, flags.json === true)
      const base = { ids, ...(ids.length === 1 ? { id: ids[0] } : {}), ...(warning != null ? { warning } : {}) }
      if (flags.wait !== true) {
        out.result(base, () => ids.join('\n'))
        return
      }
      const views = await waitFor(client, ids, io)
      const states = { succeeded: 0, failed: 0, cancelled: 0 }
      for (const view of views.values()) states[view.state as keyof typeof states]++
      if (states.failed + states.cancelled > 0) setExitCode(EXIT.failed)
      if (flags.json === true) {
        out.result({ ...base, ...states }, () => '')
      } else if (ids.length === 1) {
        const view = views.get(ids[0] as string) as TaskView
        if (view.state === 'succeeded') writeOutput(io, await client.getBytes(`/v1/tasks/${view.id}/result`))
        else io.stderr.write(`mesh-node: task ${view.id} ${view.state}: ${view.error ?? view.history.at(-1)?.reason ?? ''}\n`)
      } else {
        out.result(states, () => `${ids.length} tasks: ${states.succeeded} succeeded, ${states.failed} failed, ${states.cancelled} cancelled`)
        reportCommonError(io, [...views.values()].map(v => v.state === 'succeeded' ? null : v.error ?? v.history.at(-1)?.reason))
      }
    })
}

/** On stderr, for a wait where some tasks failed or were cancelled: the commonest reason, in one line. */
export function reportCommonError (io: CliIo, errors: Array<string | null | undefined>): void {
  const common = commonest(errors)
  const failed = errors.filter(e => e != null).length
  if (common != null) io.stderr.write(`mesh-node: ${failed} task(s) did not succeed; the commonest reason (${common.tasks} of them): ${common.reason}\n`)
}

/** Output bytes as they are; on a terminal with a newline after, so the prompt starts afresh. */
function writeOutput (io: CliIo, bytes: Uint8Array): void {
  io.stdout.write(bytes)
  if (io.stdout.isTTY === true && bytes.at(-1) !== 0x0a) io.stdout.write('\n')
}

function size (value: string | undefined, flag: string): number | undefined {
  if (value == null) return undefined
  const bytes = parseByteSize(value)
  if (bytes == null) throw new MeshError('BAD_REQUEST', `${flag} wants a size such as 512MiB, got "${value}"`)
  return bytes
}

function optional (key: string, value: number | undefined): Record<string, number> {
  return value == null ? {} : { [key]: value }
}

export function tasksCommand (io: CliIo): Command {
  return new Command('tasks')
    .description(describeCommand('tasks'))
    .option('--state <state>', 'only tasks in this state (pending, leased, verifying, succeeded, failed, cancelled)')
    .option('--key <key>', 'only the tasks of this batch, in input order, each with its index')
    .option('--limit <n>', 'at most n tasks (1 to 1000, the default)')
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions & { state?: string, key?: string, limit?: string, cursor?: string }>()
      const params = new URLSearchParams()
      for (const name of ['state', 'key', 'limit', 'cursor'] as const) if (flags[name] != null) params.set(name, flags[name])
      const query = params.size > 0 ? `?${params.toString()}` : ''
      const { body: tasks, next } = await (await connectToNode(flags, io)).getPage<TaskView[]>(`/v1/tasks${query}`)
      new Output(io, flags.json === true).result(tasks, () => tasks.length === 0
        ? 'no tasks'
        : tasks.map(t => `${t.index != null && flags.key != null ? `${t.index}  ` : ''}${shortId(t.id)}  ${t.state.padEnd(9)}  ${t.kind}  attempts ${t.attempts}`).join('\n'))
      // stdout keeps only the tasks: where the next page starts goes to stderr.
      if (next != null) io.stderr.write(`mesh-node: more tasks: --cursor ${next}\n`)
    })
}

export function taskCommand (io: CliIo): Command {
  return new Command('task')
    .description(describeCommand('task'))
    .argument('<id>', 'task id, or a unique prefix of it (at least 8 digits)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>()
      const task = await (await connectToNode(flags, io)).get<TaskView>(`/v1/tasks/${encodeURIComponent(id)}`)
      new Output(io, flags.json === true).result(task, () => [
        `id        ${task.id}`,
        `state     ${task.state}${task.error != null ? ` (${task.error})` : ''}`,
        ...(task.waiting != null ? [`waiting   ${task.waiting}`] : []),
        `kind      ${task.kind}`,
        `attempts  ${task.attempts}`,
        ...task.replicas.map(r => [
          `replica ${r.index}${r.check ? ' (check)' : ''}  ${r.status}  epoch ${r.epoch}  progress ${r.progress}%  ${r.worker ?? ''}`,
          ...(r.outputHash != null ? [`output ${r.outputHash.slice(0, 16)}`] : []),
          ...(r.verdict != null ? [r.verdict] : [])
        ].join('  ')),
        ...task.leases.map(l => `lease     replica ${l.replica} held by ${l.holder}, epoch ${l.epoch}, expires ${new Date(l.expiresAt).toISOString()}`),
        'history',
        ...task.history.map(h => `  ${new Date(h.at).toISOString()}  ${h.state.padEnd(9)}  ${h.reason}`)
      ].join('\n'))
    })
}

export function resultCommand (io: CliIo): Command {
  return new Command('result')
    .description(describeCommand('result'))
    .argument('<id>', 'task id, or a unique prefix of it (at least 8 digits)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>()
      writeOutput(io, await (await connectToNode(flags, io)).getBytes(`/v1/tasks/${encodeURIComponent(id)}/result`))
    })
}

export function logsCommand (io: CliIo): Command {
  return new Command('logs')
    .description(describeCommand('logs'))
    .argument('<id>', 'task id, or a unique prefix of it (at least 8 digits)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>()
      const logs = await (await connectToNode(flags, io)).get<{ id: string, attempts: AttemptRecord[] }>(`/v1/tasks/${encodeURIComponent(id)}/logs`)
      new Output(io, flags.json === true).result(logs, () => logs.attempts.length === 0
        ? 'no attempt has ended yet'
        : logs.attempts.map(a => [
          `${new Date(a.at).toISOString()}  replica ${a.replica}  epoch ${a.epoch}  ${a.outcome}${a.exitCode != null && a.outcome !== 'succeeded' ? ` (exit ${a.exitCode})` : ''}  on ${a.worker}`,
          ...(a.error != null ? [`  ${a.error}`] : []),
          ...(a.stderrTail != null ? a.stderrTail.trimEnd().split('\n').map(line => `  | ${line}`) : [])
        ].join('\n')).join('\n'))
    })
}

export function cancelCommand (io: CliIo): Command {
  return new Command('cancel')
    .description(describeCommand('cancel'))
    .argument('[id]', 'task id, or a unique prefix of it (at least 8 digits)')
    .option('--key <key>', 'cancel the batch with this key instead (about 20 tasks a second: "mesh-node batch <key>" shows how far it is)')
    .action(async (id: string | undefined, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions & { key?: string }>()
      if ((id == null) === (flags.key == null)) throw new MeshError('BAD_REQUEST', 'give a task id or --key, one of them')
      const client = await connectToNode(flags, io)
      const out = new Output(io, flags.json === true)
      if (flags.key != null) {
        const batch = await client.post<{ key: string, unfinished: number }>(`/v1/batches/${encodeURIComponent(flags.key)}/cancel`, {})
        out.result(batch, () => batch.unfinished === 0 ? `batch ${batch.key}: every task is finished already` : `batch ${batch.key}: cancelling ${batch.unfinished} unfinished task(s)`)
        return
      }
      const task = await client.post<TaskView>(`/v1/tasks/${encodeURIComponent(id as string)}/cancel`, {})
      out.result(task, () => `${task.id} ${task.state}`)
    })
}
