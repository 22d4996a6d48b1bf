import { MeshError } from '../errors.js'
import type { TaskStore } from './store.js'

/**
 * Task ids as people type them: the full 64 hex digits, or a unique prefix of at least
 * MIN_PREFIX of them (as git and docker take), in either case. `mesh-node tasks` prints
 * SHORT_ID_LENGTH digits.
 */

export const MIN_PREFIX = 8
export const SHORT_ID_LENGTH = 12
/** Matches listed when a prefix is ambiguous. */
const LISTED = 10

const FULL_ID = /^[0-9a-f]{64}$/
const HEX = /^[0-9a-f]+$/

export function shortId (id: string): string {
  return id.slice(0, SHORT_ID_LENGTH)
}

/**
 * The full id `given` names: itself when it is a full id (or no hex at all: then it names no
 * task, and the lookup says so), else the one task whose id starts with it. A prefix shorter
 * than MIN_PREFIX is refused (BAD_REQUEST), one that matches no task is NOT_FOUND, one that
 * matches several is AMBIGUOUS_ID listing them.
 */
export function resolveTaskId (store: Pick<TaskStore, 'idsWithPrefix'>, given: string): string {
  const id = given.toLowerCase()
  if (FULL_ID.test(id)) return id
  if (!HEX.test(id) || id.length > 64) return given
  if (id.length < MIN_PREFIX) throw new MeshError('BAD_REQUEST', `a task id prefix needs at least ${MIN_PREFIX} hex digits; "${given}" has ${id.length}`)
  const matches = store.idsWithPrefix(id, LISTED + 1)
  if (matches.length === 0) throw new MeshError('NOT_FOUND', `no task ${given}`)
  if (matches.length > 1) {
    const listed = matches.slice(0, LISTED).join(', ')
    throw new MeshError('AMBIGUOUS_ID', `task id prefix ${given} is ambiguous: it matches ${listed}${matches.length > LISTED ? ' and more' : ''}; give more digits`, { matches: matches.slice(0, LISTED) })
  }
  return matches[0] as string
}
