// The limits of a batch, apart from ./batch-submission.ts so the CLI checks them without loading zod.

const MiB = 1024 * 1024

/** Limits of one batch request (the API's JSON and NDJSON forms, and the CLI's --inputs). */
export const BATCH_LIMITS = {
  /** Tasks in one request. */
  tasks: 100_000,
  /** One NDJSON line (the options line or one input). Larger inputs go one at a time through POST /v1/blobs. */
  lineBytes: 1 * MiB,
  /** A whole NDJSON body: every input of the batch is held until the batch is stored in one transaction. */
  streamBytes: 256 * MiB
} as const
