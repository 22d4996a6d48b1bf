import { describe, expect, it } from 'vitest'
import { exitCodeFor } from '../../../src/cli/context.js'
import { MeshError } from '../../../src/errors.js'

describe('CLI exit codes', () => {
  it.each([
    [new MeshError('CONFIG_INVALID', 'x'), 2],
    [new MeshError('SWARM_KEY_INVALID', 'x'), 2],
    [new MeshError('KEY_INVALID', 'x'), 2],
    [new MeshError('NODE_UNREACHABLE', 'x'), 3],
    [new MeshError('API_ERROR', 'x'), 1],
    [new MeshError('API_UNAUTHORIZED', 'x'), 1],
    [new Error('boom'), 1]
  ])('maps %s to %i', (err, code) => {
    expect(exitCodeFor(err)).toBe(code)
  })
})
