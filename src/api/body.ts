import type { IncomingMessage } from 'node:http'
import { ApiError } from './errors.js'

/** A stream of JSON values, one per line (application/x-ndjson), each line and their count bounded. */
export interface NdjsonLimits {
  lineBytes: number
  lines: number
  /** The whole body. */
  limit: number
}

export const NDJSON = 'application/x-ndjson'

/** What a route takes as its request body, and how much of it. */
export type BodySpec =
  | { type: 'none' }
  /** With `ndjson`, the route also takes NDJSON, read a line at a time. */
  | { type: 'json', limit: number, ndjson?: NdjsonLimits }
  /** application/octet-stream, handed to the route piece by piece as it arrives. */
  | { type: 'raw', limit: number }

export const KiB = 1024
export const MiB = 1024 * 1024

export function mediaType (req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function hasBody (req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] != null || Number(req.headers['content-length'] ?? 0) > 0
}

function tooLarge (limit: number): ApiError {
  return new ApiError('BODY_TOO_LARGE', `request body over ${limit} bytes (the limit of this route)`)
}

/** The NDJSON limits when the route takes NDJSON and this request sends it. */
export function ndjsonLimits (req: IncomingMessage, spec: BodySpec): NdjsonLimits | undefined {
  return spec.type === 'json' && hasBody(req) && mediaType(req) === NDJSON ? spec.ndjson : undefined
}

/** Refuses a body whose declared type or length is wrong before a byte of it is read. */
export function checkBodyHeaders (req: IncomingMessage, spec: BodySpec): void {
  if (spec.type === 'none' || !hasBody(req)) return
  const wanted = spec.type === 'json' ? 'application/json' : 'application/octet-stream'
  const ndjson = ndjsonLimits(req, spec)
  if (ndjson == null && mediaType(req) !== wanted) {
    throw new ApiError('BAD_CONTENT_TYPE', `this route takes ${wanted}${spec.type === 'json' && spec.ndjson != null ? ` or ${NDJSON}` : ''}, not "${req.headers['content-type'] ?? ''}"`)
  }
  const limit = ndjson?.limit ?? spec.limit
  const length = Number(req.headers['content-length'] ?? 0)
  if (length > limit) throw tooLarge(limit)
}

/**
 * Reads the body piece by piece, at most `limit` bytes. Past the limit it rejects, and what is
 * left of the body is read and dropped (never kept) so the client can read the 413.
 */
export async function readBody (req: IncomingMessage, limit: number, onBytes: (bytes: Uint8Array) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let size = 0
    let failed = false
    const fail = (err: unknown): void => {
      if (failed) return
      failed = true
      reject(err)
    }
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > limit) { fail(tooLarge(limit)); return }
      try {
        onBytes(chunk)
      } catch (err) {
        fail(err)
      }
    })
    req.on('end', () => { if (!failed) resolve() })
    req.on('error', fail)
    req.on('aborted', () => { fail(new ApiError('BAD_REQUEST', 'the request was aborted')) })
  })
}

export async function readJsonBody (req: IncomingMessage, limit: number): Promise<unknown> {
  if (!hasBody(req)) return {}
  const chunks: Uint8Array[] = []
  await readBody(req, limit, bytes => { chunks.push(bytes) })
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError('BAD_JSON', 'request body is not valid JSON')
  }
}

/**
 * Reads an NDJSON body a line at a time, handing each parsed line to `onLine` (numbered from 1)
 * as it completes: only the line being read is buffered. A line over `lineBytes`, more than
 * `lines` lines, or a body over `limit` is a 413; a line that is not JSON, or an empty line
 * before the last, a 400. A `\r` before a line's end is dropped.
 */
export async function readNdjson (req: IncomingMessage, limits: NdjsonLimits, onLine: (value: unknown, line: number) => void): Promise<void> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let line = 0
  let empty = 0
  const take = (bytes: Buffer): void => {
    line++
    const text = bytes.toString('utf8').replace(/\r$/, '')
    if (text === '') { empty = empty === 0 ? line : empty; return }
    if (empty !== 0) throw new ApiError('BAD_REQUEST', `line ${empty} is empty`)
    if (line > limits.lines) throw new ApiError('BODY_TOO_LARGE', `over ${limits.lines} lines (the limit of one request)`)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new ApiError('BAD_JSON', `line ${line} is not valid JSON`)
    }
    onLine(value, line)
  }
  const lineTooLarge = (): ApiError => new ApiError('BODY_TOO_LARGE', `line ${line + 1} is over ${limits.lineBytes} bytes (the limit of one line)`)
  await readBody(req, limits.limit, chunk => {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let start = 0
    for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
      if (pendingBytes + end - start > limits.lineBytes) throw lineTooLarge()
      take(pending.length === 0 ? bytes.subarray(start, end) : Buffer.concat([...pending, bytes.subarray(start, end)]))
      pending = []
      pendingBytes = 0
      start = end + 1
    }
    if (start < bytes.length) {
      pending.push(bytes.subarray(start))
      pendingBytes += bytes.length - start
      if (pendingBytes > limits.lineBytes) throw lineTooLarge()
    }
  })
  if (pendingBytes > 0) take(Buffer.concat(pending))
}
