import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { checkBodyHeaders, readNdjson, type BodySpec, type NdjsonLimits } from '../../../src/api/body.js'
import type { IncomingMessage } from 'node:http'

const LIMITS: NdjsonLimits = { lineBytes: 16, lines: 3, limit: 64 }

/** A request whose body arrives in these pieces. */
function request (chunks: string[], headers: Record<string, string> = { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' }): IncomingMessage {
  return Object.assign(Readable.from(chunks.map(c => Buffer.from(c))), { headers }) as unknown as IncomingMessage
}

async function lines (chunks: string[], limits = LIMITS): Promise<Array<[unknown, number]>> {
  const seen: Array<[unknown, number]> = []
  await readNdjson(request(chunks), limits, (value, line) => { seen.push([value, line]) })
  return seen
}

describe('NDJSON bodies', () => {
  it('hands over each line as it completes, across pieces; a final newline, a missing one and \\r\\n are all fine', async () => {
    expect(await lines(['{"a":', '1}\n[2]\r', '\n"x"'])).toEqual([[{ a: 1 }, 1], [[2], 2], ['x', 3]])
    expect(await lines(['1\n2\n\n'])).toEqual([[1, 1], [2, 2]])
    expect(await lines([])).toEqual([])
  })

  it.each([
    ['a line over its limit, even before its newline', ['1\n', '"' + 'x'.repeat(20)], 'BODY_TOO_LARGE', /^line 2 is over 16 bytes/],
    ['more lines than allowed', ['1\n2\n3\n4\n'], 'BODY_TOO_LARGE', /^over 3 lines/],
    ['a body over its limit', Array(5).fill('"' + 'x'.repeat(12) + '"\n'), 'BODY_TOO_LARGE', /over 64 bytes/, { ...LIMITS, lines: 100 }],
    ['a line that is not JSON', ['1\n{nope\n'], 'BAD_JSON', /^line 2 is not valid JSON/],
    ['an empty line before the last', ['1\n\n2\n'], 'BAD_REQUEST', /^line 2 is empty/]
  ] as Array<[string, string[], string, RegExp, NdjsonLimits?]>)('refuses %s', async (_what, chunks, code, message, limits) => {
    await expect(lines(chunks, limits)).rejects.toMatchObject({ code, message: expect.stringMatching(message) })
  })

  it('a route that takes NDJSON says so, and bounds it by its own limit', () => {
    const spec: BodySpec = { type: 'json', limit: 10, ndjson: LIMITS }
    expect(() => { checkBodyHeaders(request([], { 'content-type': 'application/x-ndjson', 'content-length': '64' }), spec) }).not.toThrow()
    expect(() => { checkBodyHeaders(request([], { 'content-type': 'application/x-ndjson', 'content-length': '65' }), spec) }).toThrow(expect.objectContaining({ code: 'BODY_TOO_LARGE' }))
    expect(() => { checkBodyHeaders(request([], { 'content-type': 'application/json', 'content-length': '11' }), spec) }).toThrow(expect.objectContaining({ code: 'BODY_TOO_LARGE' }))
    expect(() => { checkBodyHeaders(request([], { 'content-type': 'text/plain', 'content-length': '1' }), spec) }).toThrow(expect.objectContaining({ code: 'BAD_CONTENT_TYPE', message: expect.stringContaining('application/x-ndjson') }))
    expect(() => { checkBodyHeaders(request([], { 'content-type': 'application/x-ndjson', 'content-length': '1' }), { type: 'json', limit: 10 }) }).toThrow(expect.objectContaining({ code: 'BAD_CONTENT_TYPE' }))
  })
})
