import { describe, expect, it } from 'vitest'
import { BATCH_LIMITS, BatchIntake, batchBlobs, batchOptions, buildBatchTasks, decodeInput, parseBatchRequest, sameBatch, type BatchSubmission } from '../../../src/tasks/batch-submission.js'
import { LIMITS } from '../../../src/gossip/wire/limits.js'
import { sha256, toHex } from '../../../src/tasks/spec.js'
import type { StoredInput } from '../../../src/tasks/batch-queries.js'

const T0 = 1_700_000_000_000
const OWNER = new Uint8Array(38).fill(7)
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')

function batchOf (inputs: string[], options: Record<string, unknown> = {}): BatchSubmission {
  const request = { kind: 'sha256', ...options, inputs: inputs.map(input => ({ input })) }
  return parseBatchRequest(request, o => o)
}

function stored (batch: BatchSubmission, ids: string[]): StoredInput[] {
  return batch.inputs.map((input, i) => ({ id: ids[i] as string, kind: batch.base.kind, input, inputRef: null }))
}

describe('batch submission', () => {
  it('decodes {input} as text and {inputBase64} as bytes; anything else names where it is', () => {
    expect(text(decodeInput({ input: 'héllo' }, 'line 2'))).toBe('héllo')
    expect([...decodeInput({ inputBase64: Buffer.from([0, 255]).toString('base64') }, 'line 2')]).toEqual([0, 255])
    for (const bad of [{ input: 5 }, { inputBase64: '!!' }, { input: 'a', inputBase64: 'YQ==' }, 'text', null, { other: 1 }]) {
      expect(() => decodeInput(bad, 'line 7'), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/^line 7: /) }))
    }
  })

  it('takes options checked as a one-task submission, without any per-input field', () => {
    expect(() => batchOptions([1])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    for (const field of ['input', 'inputEncoding', 'inputBlob', 'count', 'inputs']) {
      expect(() => batchOptions({ kind: 'echo', [field]: 'x' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining(field) }))
    }
    expect(() => new BatchIntake({ kind: 'echo', redundancy: 99 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('redundancy') }))
    expect(() => new BatchIntake({ kind: 'echo' }).finish()).toThrow(expect.objectContaining({ message: 'a batch needs at least one input' }))
    const notArray = { kind: 'echo', inputs: 'x' }
    expect(() => parseBatchRequest(notArray, o => o)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })

  it('keeps the given key, or makes one: every batch is found again by its key', () => {
    expect(batchOf(['a'], { key: 'job-1' }).key).toBe('job-1')
    const made = batchOf(['a'])
    expect(made.key).toMatch(/^batch-[0-9a-f]{32}$/)
    expect(made.base.key).toBe(made.key)
    expect(batchOf(['a']).key).not.toBe(made.key)
  })

  it('refuses more inputs than a batch may have', () => {
    const intake = new BatchIntake({ kind: 'echo' })
    for (let i = 0; i < BATCH_LIMITS.tasks; i++) intake.add({ input: '' }, `line ${i + 2}`)
    expect(() => { intake.add({ input: '' }, 'line 100002') }).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/^line 100002: /) }))
  })

  it('builds one task per input, in order, with its index and the key; distinct inputs get distinct ids', () => {
    const batch = batchOf(['a', 'b', 'a'], { key: 'k', redundancy: 2, priority: 5 })
    const tasks = buildBatchTasks(batch, OWNER, 'owner', T0, true)
    expect(tasks.map(t => [t.spec.batchIndex, text(t.spec.input), t.spec.idempotencyKey, t.spec.compare, t.spec.redundancy, t.spec.priority, t.state]))
      .toEqual([[0, 'a', 'k', true, 2, 5, 'pending'], [1, 'b', 'k', true, 2, 5, 'pending'], [2, 'a', 'k', true, 2, 5, 'pending']])
    // Equal inputs too: the index is part of what the id is derived from.
    expect(new Set(tasks.map(t => t.id)).size).toBe(3)
    expect(tasks[0]?.replicas).toHaveLength(2)
  })

  it('keeps inputs over the inline limit as blobs named by hash, once per distinct input, with the module', () => {
    const large = 'x'.repeat(LIMITS.inlineInputBytes + 1)
    const batch = batchOf(['small', large, large])
    const tasks = buildBatchTasks(batch, OWNER, 'owner', T0, false)
    const hash = toHex(sha256(new TextEncoder().encode(large)))
    expect(tasks[0]?.spec.inputRef).toBeUndefined()
    expect(tasks[1]?.spec).toMatchObject({ input: new Uint8Array(), inputRef: { hash, size: large.length } })
    expect(batchBlobs(batch).map(b => b.hash)).toEqual([hash, hash])
  })

  it('a stored batch under the same key: the same kind and inputs give its ids, anything else is a CONFLICT', () => {
    const batch = batchOf(['a', 'b'], { key: 'k' })
    const ids = ['id-a', 'id-b']
    expect(sameBatch(batch, [])).toBeUndefined()
    expect(sameBatch(batch, stored(batch, ids))).toEqual(ids)
    const conflict = expect.objectContaining({ code: 'CONFLICT' })
    expect(() => sameBatch(batchOf(['a', 'c'], { key: 'k' }), stored(batch, ids))).toThrow(conflict)
    expect(() => sameBatch(batchOf(['a'], { key: 'k' }), stored(batch, ids))).toThrow(conflict)
    expect(() => sameBatch(batchOf(['a', 'b'], { key: 'k', kind: 'echo' }), stored(batch, ids))).toThrow(conflict)
    const large = 'y'.repeat(LIMITS.inlineInputBytes + 1)
    const big = batchOf([large], { key: 'k' })
    const ref = [{ id: 'id-y', kind: 'sha256', input: new Uint8Array(), inputRef: toHex(big.inputHashes[0] as Uint8Array) }]
    expect(sameBatch(big, ref)).toEqual(['id-y'])
    expect(() => sameBatch(batchOf(['z'.repeat(LIMITS.inlineInputBytes + 1)], { key: 'k' }), ref)).toThrow(conflict)
  })
})
