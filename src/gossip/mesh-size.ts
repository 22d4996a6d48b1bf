import { createHash, randomBytes } from 'node:crypto'

/** HyperLogLog registers per sketch: 512 bytes each, a standard error of about 4.6 %. */
const REGISTERS = 512
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS)
/** Connections tracked at most (each two sketches, 1 KiB); the least recently heard from is dropped past it. */
const MAX_SOURCES = 512

interface Sketches {
  current: Uint8Array
  previous: Uint8Array
}

/** A HyperLogLog estimate from its registers (with the small-range correction: linear counting). */
function count (registers: Uint8Array): number {
  let sum = 0
  let zeros = 0
  for (let i = 0; i < REGISTERS; i++) {
    const rank = registers[i] as number
    sum += 2 ** -rank
    if (rank === 0) zeros++
  }
  const raw = ALPHA * REGISTERS * REGISTERS / sum
  if (raw <= 2.5 * REGISTERS && zeros > 0) return REGISTERS * Math.log(REGISTERS / zeros)
  return raw
}

/**
 * How many distinct nodes this node hears heartbeats from, however large the mesh, in memory that
 * does not grow with it (docs/PROTOCOL.md §9): the mesh size the heartbeat interval widens by.
 *
 * The peer table cannot tell: it holds the connected peers and at most 50 only heard of (the
 * bound that keeps forged authors out of memory), so in a mesh much larger than a node's
 * connections every node would keep beating once a second and receive N heartbeats a second.
 *
 * This counts distinct authors with HyperLogLog sketches, one per connection that delivered them
 * (gossipsub's propagation source), over two windows of `windowMs` (the current and the last),
 * so an author counts while it beat in the last one or two windows; a node beating every 5
 * minutes (the longest interval believed) stays counted. The estimate is the union of every
 * connection's sketch but the one with the most authors: in an honest mesh each author's
 * heartbeats reach a node through its several mesh peers by turns, so leaving one out loses
 * little, while authors forged through one connection, however many, do not count at all.
 * Authors are hashed with a random key of this node's own, so no one can make up peer ids that
 * land where they inflate the count. What forged authors could still do through two connections
 * or more is make the estimate larger, which widens intervals: the flood each node receives falls
 * and liveness is judged more slowly. Nothing anyone sends makes a node beat faster.
 */
export class MeshSizeEstimate {
  private readonly sources = new Map<string, Sketches>()
  private windowStart: number | undefined

  /** `key` is for tests (a fixed one makes the count reproducible); by default a random one of this node's. */
  constructor (private readonly windowMs = 300_000, private readonly key: Uint8Array = randomBytes(16)) {}

  /** Counts `author`, heard in a validated heartbeat that `source` (a connection's peer) delivered at `now`. */
  observe (author: string, source: string, now: number): void {
    this.rotate(now)
    let sketches = this.sources.get(source)
    if (sketches == null) {
      if (this.sources.size >= MAX_SOURCES) this.sources.delete(this.sources.keys().next().value as string)
      sketches = { current: new Uint8Array(REGISTERS), previous: new Uint8Array(REGISTERS) }
    } else {
      this.sources.delete(source)
    }
    // Kept in the order last heard from: the first entry is the one to drop.
    this.sources.set(source, sketches)
    const digest = createHash('sha256').update(this.key).update(author).digest()
    const register = digest.readUInt16BE(0) % REGISTERS
    // The rank: the position of the first 1 bit in the next 32 bits (33 when they are all 0).
    const rank = Math.clz32(digest.readUInt32BE(2)) + 1
    if (rank > (sketches.current[register] as number)) sketches.current[register] = rank
  }

  /**
   * Distinct authors heard in the last one to two windows through every connection but the one
   * that brought the most (this node not included). Read once a beat: a union over the sketches,
   * ~0.1 ms per 100 connections.
   */
  estimate (now: number): number {
    this.rotate(now)
    const merged: Uint8Array[] = []
    let largest = -1
    let largestAt = -1
    for (const { current, previous } of this.sources.values()) {
      const both = new Uint8Array(REGISTERS)
      for (let i = 0; i < REGISTERS; i++) both[i] = Math.max(current[i] as number, previous[i] as number)
      const n = count(both)
      if (n > largest) {
        largest = n
        largestAt = merged.length
      }
      merged.push(both)
    }
    const union = new Uint8Array(REGISTERS)
    merged.forEach((registers, at) => {
      if (at === largestAt) return
      for (let i = 0; i < REGISTERS; i++) if ((registers[i] as number) > (union[i] as number)) union[i] = registers[i] as number
    })
    return Math.round(count(union))
  }

  private rotate (now: number): void {
    if (this.windowStart == null) this.windowStart = now
    if (now - this.windowStart < this.windowMs) return
    // A window or more has passed: each current sketch becomes the last (or both empty after two).
    const keepCurrent = now - this.windowStart < 2 * this.windowMs
    for (const [source, sketches] of this.sources) {
      // A connection silent for the whole window has nothing left to count once it rotates.
      if (!keepCurrent || sketches.current.every(rank => rank === 0)) {
        this.sources.delete(source)
        continue
      }
      sketches.previous = sketches.current
      sketches.current = new Uint8Array(REGISTERS)
    }
    this.windowStart = now
  }
}
