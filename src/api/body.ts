import type { IncomingMessage } from 'node:http'
import { ApiError } from './errors.js'

/** What a route takes as its request body, and how much of it. */
export type BodySpec =
  | { type: 'none' }
  | { type: 'json', limit: number }
  /** application/octet-stream, handed to the route piece by piece as it arrives. */
  | { type: 'raw', limit: number }

export const KiB = 1024
export const MiB = 1024 * 1024

function mediaType (req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function hasBody (req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] != null || Number(req.headers['content-length'] ?? 0) > 0
}

function tooLarge (limit: number): ApiError {
  return new ApiError('BODY_TOO_LARGE', `request body over ${limit} bytes (the limit of this route)`)
}

/** Refuses a body whose declared type or length is wrong before a byte of it is read. */
export function checkBodyHeaders (req: IncomingMessage, spec: BodySpec): void {
  if (spec.type === 'none' || !hasBody(req)) return
  const wanted = spec.type === 'json' ? 'application/json' : 'application/octet-stream'
  if (mediaType(req) !== wanted) throw new ApiError('BAD_CONTENT_TYPE', `this route takes ${wanted}, not "${req.headers['content-type'] ?? ''}"`)
  const length = Number(req.headers['content-length'] ?? 0)
  if (length > spec.limit) throw tooLarge(spec.limit)
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
