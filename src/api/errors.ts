import { isMeshError, errorMessage } from '../errors.js'
import { isStoreWriteError, storeFullError } from '../tasks/store-errors.js'

/**
 * Every error code the API answers with and its HTTP status: the one place that maps an error to
 * a status (a MeshError's code or the API's own). A code not listed is a bug: 500 INTERNAL.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  BAD_JSON: 400,
  BAD_CONTENT_TYPE: 400,
  BAD_PATH: 400,
  AMBIGUOUS_ID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN_HOST: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  TOO_MANY_STREAMS: 429,
  DIAL_FAILED: 502,
  NOT_STARTED: 503,
  STORE_FULL: 507
}

/** An error the API itself raises (bad path, body, token, host): its status comes from ERROR_STATUS. */
export class ApiError extends Error {
  constructor (readonly code: string, message: string) {
    super(message)
  }
}

/** What a failed request answers: a status and {error: {code, message}}; never a stack trace. */
export function errorReply (err: unknown): { status: number, body: { error: { code: string, message: string } } } | undefined {
  // A write the store refused (a full disk), wherever it happened: 507, not a 500.
  if (isStoreWriteError(err)) err = storeFullError(err)
  const code = err instanceof ApiError || isMeshError(err) ? err.code : undefined
  const status = code == null ? undefined : ERROR_STATUS[code]
  if (code == null || status == null) return undefined
  return { status, body: { error: { code, message: errorMessage(err).split('\n')[0] ?? '' } } }
}
