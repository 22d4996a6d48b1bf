// Worker-thread side of the built-in task kinds that use CPU (run by a piscina pool, so a heavy
// task never delays the node's event loop: heartbeats, lease renewals, gossip validation).
// Plain JavaScript so that it runs as it is from the source tree and from an install.
import { createHash } from 'node:crypto'

const KINDS = {
  echo: input => input,
  sha256: input => new TextEncoder().encode(createHash('sha256').update(input).digest('hex')),
  // CPU-bound test and benchmark load: SHA-256 chained N times over the input (N = the input as text).
  'hash-loop': input => {
    const rounds = Number(new TextDecoder().decode(input).trim())
    if (!Number.isInteger(rounds) || rounds < 0 || rounds > 1e8) return { error: `hash-loop wants a whole number of rounds, got "${new TextDecoder().decode(input).slice(0, 32)}"`, nonRetryable: true }
    let digest = createHash('sha256').update(input).digest()
    for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest()
    return new TextEncoder().encode(digest.toString('hex'))
  }
}

/** Returns the output bytes, or {error, nonRetryable} (errors do not keep their fields across threads). */
export default function run ({ kind, input }) {
  const fn = KINDS[kind]
  if (fn == null) return { error: `unknown kind ${kind}`, nonRetryable: true }
  return fn(new Uint8Array(input))
}
