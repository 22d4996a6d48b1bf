/**
 * Coded errors: callers match on `code`, never on message text.
 */
export type MeshErrorCode =
  | 'CONFIG_INVALID'
  | 'SWARM_KEY_INVALID'
  | 'KEY_INVALID'
  | 'NODE_UNREACHABLE'
  | 'API_ERROR'
  | 'API_UNAUTHORIZED'
  | 'NOT_STARTED'
  | 'BAD_REQUEST'
  | 'LISTEN_FAILED'
  | 'DIAL_FAILED'
  | 'DATA_DIR_LOCKED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'STORE_FULL'
  | 'AMBIGUOUS_ID'

/**
 * Marks a MeshError whichever copy of this module made it: the CLI's one-file bundle
 * (src/cli/light-bin.ts) holds a copy of its own, and the modules it loads lazily from dist/ theirs.
 */
const MESH_ERROR = Symbol.for('mesh-node.MeshError')

export class MeshError<C extends MeshErrorCode = MeshErrorCode> extends Error {
  readonly [MESH_ERROR] = true
  readonly code: C
  readonly fields: Record<string, unknown>

  constructor (code: C, message: string, fields: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MeshError'
    this.code = code
    this.fields = fields
  }
}

export function isMeshError (err: unknown, code?: MeshErrorCode): err is MeshError {
  const marked = typeof err === 'object' && err !== null && (err as { [MESH_ERROR]?: unknown })[MESH_ERROR] === true
  return marked && (code == null || (err as MeshError).code === code)
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
