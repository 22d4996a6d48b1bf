import { isUtf8 } from 'node:buffer'
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describeCommand } from '../catalog.js'
import { Command } from '../commander.js'
import { MeshError } from '../../errors.js'
import { BATCH_LIMITS } from '../../tasks/batch-limits.js'
import { connectToNode, EXIT, Output, type CliIo, type GlobalOptions } from '../context.js'
import { ProgressLine } from '../progress.js'
import type { ApiClient } from '../../api/client.js'
import type { BatchResult } from '../../tasks/batch-api.js'

/**
 * Batches from the CLI: `submit --inputs FILE` (one task per line), waiting for a batch through
 * its results endpoint (only what finished since the last poll), and `batch <key>`.
 */

export type InputsFormat = 'text' | 'jsonl'

/** The whole batch request is bounded by the node; this bounds one wait for its answer. */
const SUBMIT_TIMEOUT_MS = 300_000
const POLL_MS = 250
/** How often a wait reads the batch's counts and waiting reason for its progress line. */
const SUMMARY_MS = 2_000

/**
 * Reads the inputs (a file, or stdin for "-") and turns each line into the line the API takes
 * (`{"input": ...}` or `{"inputBase64": ...}`), checking all of them before anything is sent. Text:
 * every line is one input as it is (a `\r` before the newline dropped; no task after a final
 * newline); jsonl: every line is `{"input": "text"}` or `{"inputBase64": "..."}`.
 */
export async function readInputs (source: string, format: InputsFormat, io: CliIo & { stdin?: NodeJS.ReadableStream }): Promise<string[]> {
  const name = source === '-' ? 'stdin' : source
  const bytes = source === '-' ? await readAll(io.stdin ?? process.stdin) : await readInputsFile(resolve(io.cwd, source), source)
  const lines: string[] = []
  // jsonl lines are checked with the API's own schema (loaded here only: zod is slow to load).
  const decodeInput = format === 'jsonl' ? (await import('../../tasks/batch-submission.js')).decodeInput : undefined
  // The request is the options line (up to a line) and these, each with its newline.
  let requestBytes = BATCH_LIMITS.lineBytes
  let start = 0
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start)
    const end = newline === -1 ? bytes.length : newline
    const where = `--inputs ${name} line ${lines.length + 1}`
    if (lines.length >= BATCH_LIMITS.tasks) throw new MeshError('BAD_REQUEST', `--inputs ${name}: more than ${BATCH_LIMITS.tasks} lines; a batch has at most ${BATCH_LIMITS.tasks} tasks (split the file)`)
    const raw = bytes.subarray(start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end)
    const line = decodeInput == null ? textLine(raw) : jsonLine(raw, where, decodeInput)
    const size = Buffer.byteLength(line)
    if (size > BATCH_LIMITS.lineBytes) throw new MeshError('BAD_REQUEST', `${where}: over ${BATCH_LIMITS.lineBytes} bytes as a line of the request; submit an input that large on its own (--input-file)`)
    requestBytes += size + 1
    if (requestBytes > BATCH_LIMITS.streamBytes) throw new MeshError('BAD_REQUEST', `--inputs ${name}: over ${BATCH_LIMITS.streamBytes} bytes as a request by ${where}; split the batch`)
    lines.push(line)
    start = end + 1
  }
  if (lines.length === 0) throw new MeshError('BAD_REQUEST', `--inputs ${name} has no lines: nothing to submit`)
  return lines
}

async function readInputsFile (path: string, source: string): Promise<Buffer> {
  const size = await stat(path).then(s => s.size, err => { throw new MeshError('BAD_REQUEST', `cannot read ${source}: ${(err as Error).message}`) })
  if (size > BATCH_LIMITS.streamBytes) throw new MeshError('BAD_REQUEST', `--inputs ${source}: ${size} bytes, over the ${BATCH_LIMITS.streamBytes} bytes of a batch; split it`)
  return await readFile(path).catch(err => { throw new MeshError('BAD_REQUEST', `cannot read ${source}: ${(err as Error).message}`) })
}

async function readAll (stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > BATCH_LIMITS.streamBytes) throw new MeshError('BAD_REQUEST', `--inputs -: over ${BATCH_LIMITS.streamBytes} bytes on stdin; split the batch`)
    chunks.push(Buffer.from(chunk as Buffer))
  }
  return Buffer.concat(chunks)
}

function textLine (raw: Buffer): string {
  return isUtf8(raw) ? JSON.stringify({ input: raw.toString('utf8') }) : JSON.stringify({ inputBase64: raw.toString('base64') })
}

function jsonLine (raw: Buffer, where: string, decodeInput: (value: unknown, where: string) => Uint8Array): string {
  let value: unknown
  try {
    value = JSON.parse(raw.toString('utf8'))
  } catch {
    throw new MeshError('BAD_REQUEST', `${where}: not JSON (--inputs-format jsonl wants {"input": "text"} or {"inputBase64": "..."} on every line)`)
  }
  decodeInput(value, where)
  return JSON.stringify(value)
}

/** Sends a batch (its options, then one line per input) as NDJSON; the ids in input order and the batch's key. */
export async function submitLines (client: ApiClient, options: Record<string, unknown>, lines: string[]): Promise<{ ids: string[], key: string, warning?: string }> {
  function * body (): Generator<string> {
    yield JSON.stringify(options)
    yield * lines
  }
  return await client.postLines<{ ids: string[], key: string, warning?: string }>('/v1/tasks', body(), SUBMIT_TIMEOUT_MS)
}

/** A finished task as a JSON line of `submit --wait --json`: its output fetched alone when it was too large for the page. */
async function resultLine (client: ApiClient, result: BatchResult): Promise<BatchResult> {
  if (result.outputSize == null) return result
  const { index, id, state, error } = result
  const bytes = Buffer.from(await client.getBytes(`/v1/tasks/${id}/result`))
  return { index, id, state, ...(isUtf8(bytes) ? { output: bytes.toString('utf8') } : { outputBase64: bytes.toString('base64') }), error }
}

/**
 * Waits for every task of a batch, asking only for what finished since the last answer; with
 * `json`, prints a JSON line per task as it finishes. Shows how far it is on stderr (the batch's
 * tasks by state and the commonest reason the unfinished ones wait, read every 2 s). Returns how
 * many ended in each state, and the commonest error of those that did not succeed.
 */
export async function waitForBatch (client: ApiClient, key: string, total: number, io: CliIo, json: boolean): Promise<Record<'succeeded' | 'failed' | 'cancelled', number> & { errors: Map<string, number> }> {
  const states = { succeeded: 0, failed: 0, cancelled: 0 }
  const errors = new Map<string, number>()
  const line = new ProgressLine(io)
  let received = 0
  let summary: BatchSummaryView | undefined
  let summaryAt = -Infinity
  const { batchResultPages } = await import('../../client.js')
  for await (const results of batchResultPages(client, key, POLL_MS)) {
    for (const result of results) {
      received++
      states[result.state as keyof typeof states]++
      // Distinct errors are bounded by the tasks; a batch has at most 100,000.
      if (result.state !== 'succeeded' && result.error != null) errors.set(result.error, (errors.get(result.error) ?? 0) + 1)
      if (json) await writeLine(io, JSON.stringify(await resultLine(client, result)))
    }
    if (received < total && Date.now() - summaryAt >= SUMMARY_MS) {
      summary = await client.get<BatchSummaryView>(`/v1/batches/${encodeURIComponent(key)}`)
      summaryAt = Date.now()
    }
    line.update({ done: received, total, counts: summary?.counts ?? states, waiting: summary?.waiting })
  }
  line.end()
  return { ...states, errors }
}

/** A line on stdout, waiting while a slow reader (a pipe) has not taken the last ones: 100,000 lines are not held in memory. */
async function writeLine (io: CliIo, line: string): Promise<void> {
  if (!io.stdout.write(line + '\n')) await new Promise(resolve => io.stdout.once('drain', resolve))
}

/** `submit --inputs`: the batch's options are the submit flags; prints the ids, or waits. */
export async function submitInputs (client: ApiClient, options: Record<string, unknown>, lines: string[], flags: GlobalOptions & { wait?: boolean }, io: CliIo, setExitCode: (code: number) => void): Promise<void> {
  const { ids, key, warning } = await submitLines(client, options, lines)
  if (warning != null) io.stderr.write(`mesh-node: warning: ${warning}\n`)
  const out = new Output(io, flags.json === true)
  if (flags.wait !== true) {
    out.result({ ids, key }, () => ids.join('\n'))
    return
  }
  const states = await waitForBatch(client, key, ids.length, io, flags.json === true)
  if (states.failed + states.cancelled > 0) setExitCode(EXIT.failed)
  if (flags.json !== true) io.stdout.write(`${ids.length} tasks: ${states.succeeded} succeeded, ${states.failed} failed, ${states.cancelled} cancelled\n`)
  const common = [...states.errors].sort((a, b) => b[1] - a[1])[0]
  if (common != null) io.stderr.write(`mesh-node: ${states.failed + states.cancelled} task(s) did not succeed; the commonest reason (${common[1]} of them): ${common[0]}\n`)
}

interface BatchSummaryView {
  key: string
  kind: string
  total: number
  done: number
  counts: Record<string, number>
  cancelling: boolean
  /** The commonest reason among the first unfinished tasks (a sample of 256), or null. */
  waiting: { reason: string, tasks: number, sampled: number } | null
}

export function batchCommand (io: CliIo): Command {
  return new Command('batch')
    .description(describeCommand('batch'))
    .argument('<key>', 'the batch key (submit --key, or the key submit --inputs printed with --json)')
    .action(async (key: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>()
      const batch = await (await connectToNode(flags, io)).get<BatchSummaryView>(`/v1/batches/${encodeURIComponent(key)}`)
      new Output(io, flags.json === true).result(batch, () => `batch ${batch.key}: ${batch.total} ${batch.kind} tasks, ${batch.done} done (` +
        Object.entries(batch.counts).map(([state, n]) => `${n} ${state}`).join(', ') + `)${batch.cancelling ? ', being cancelled' : ''}` +
        (batch.waiting != null ? `; waiting: ${batch.waiting.reason} (${batch.waiting.tasks} of the first ${batch.waiting.sampled} unfinished)` : ''))
    })
}
