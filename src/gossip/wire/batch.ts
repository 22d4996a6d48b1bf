/**
 * Splits items into batches of at most `maxItems` whose encoding stays within `maxBytes`, so an
 * honest sender never produces a message its peers must reject. An item too large to fit even
 * alone is an error of the caller.
 */
export function splitBatches<T> (items: T[], maxItems: number, maxBytes: number, encode: (batch: T[]) => Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  const pending = [items]
  while (pending.length > 0) {
    const batch = pending.shift() as T[]
    if (batch.length === 0) continue
    if (batch.length > maxItems) {
      pending.unshift(batch.slice(0, maxItems), batch.slice(maxItems))
      continue
    }
    const bytes = encode(batch)
    if (bytes.byteLength <= maxBytes) {
      out.push(bytes)
    } else if (batch.length === 1) {
      throw new RangeError(`one item encodes to ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit`)
    } else {
      const half = Math.ceil(batch.length / 2)
      pending.unshift(batch.slice(0, half), batch.slice(half))
    }
  }
  return out
}
