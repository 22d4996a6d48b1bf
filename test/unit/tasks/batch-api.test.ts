import { describe, expect, it } from 'vitest'
import { decodeFinishCursor, decodeListCursor, encodeFinishCursor, encodeListCursor } from '../../../src/tasks/batch-api.js'

describe('batch API cursors', () => {
  it('round-trip, and a cursor of another query (or made up) is a BAD_REQUEST', () => {
    expect(decodeListCursor(encodeListCursor({ type: 'index', index: 41 }), true)).toEqual({ type: 'index', index: 41 })
    expect(decodeListCursor(encodeListCursor({ type: 'created', at: 1_700_000_000_000, rowid: 7 }), false)).toEqual({ type: 'created', at: 1_700_000_000_000, rowid: 7 })
    expect(decodeFinishCursor(encodeFinishCursor({ at: 5, index: -1 }))).toEqual({ at: 5, index: -1 })
    const bad = expect.objectContaining({ code: 'BAD_REQUEST' })
    expect(() => decodeListCursor('i3', false)).toThrow(bad)
    expect(() => decodeListCursor('c1.2', true)).toThrow(bad)
    for (const cursor of ['', 'f1', 'f1.-2', 'f-1.0', 'i3', 'fx.1']) expect(() => decodeFinishCursor(cursor), cursor).toThrow(bad)
  })
})
