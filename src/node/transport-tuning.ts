import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@libp2p/yamux'
import { Uint8ArrayList } from 'uint8arraylist'

/**
 * Costs per message in libp2p's TCP stack that the mesh's small, frequent lease frames pay
 * many times a second, removed without changing a byte on the wire:
 *
 * - Noise hands TCP each encrypted message as two buffers (its 2-byte length, then the
 *   ciphertext), and @libp2p/tcp writes each buffer with its own `socket.write`: two system calls
 *   per message. `coalescingNoise` joins the two, so a message is one write.
 * - Yamux answers every data frame it receives with a window update frame (@libp2p/yamux 8.0.3),
 *   so each lease frame costs a second frame back: encrypted, written, read, decrypted.
 *   `lazyWindowYamux` sends the update once half the receive window is used, as hashicorp/yamux
 *   (the specification's reference) does. The sender can still send at least half a window
 *   (128 KiB by default) meanwhile, so flow control and throughput are unchanged.
 *
 * Both reach into the libraries' implementations (named below). Each checks that what it expects
 * is there and otherwise leaves the connection or stream as the library made it, so an upgrade
 * that renames them costs speed, not correctness; test/integration/transport-tuning.test.ts
 * counts the writes and frames and fails if the tuning stops applying.
 */

/** The parts of noise's encrypted connection (`EncryptedMessageStream`) this module replaces. */
interface NoiseConnection {
  encrypt?: (chunk: Uint8Array | Uint8ArrayList) => Uint8ArrayList
  decoder?: { lengthDecoder?: (data: Uint8Array | Uint8ArrayList) => number }
}

/**
 * Noise's reader learns that a chunk ends (no 2-byte length left) from its length decoder
 * throwing a RangeError, at the end of every chunk it receives; building each error's stack
 * trace was ~2 % of an idle node's CPU. One error made once and thrown each time says the same.
 */
const NO_LENGTH = new RangeError('Could not decode int16BE')
function uint16BE (data: Uint8Array | Uint8ArrayList): number {
  if (data.byteLength < 2) throw NO_LENGTH
  return data instanceof Uint8Array ? ((data[0] as number) << 8) | (data[1] as number) : data.getUint16(0)
}

/** Above this, a message's buffers are written as they are: copying would cost more than a system call. */
const COALESCE_MAX_BYTES = 16 * 1024

function coalesceWrites (connection: NoiseConnection): void {
  if (typeof connection.decoder?.lengthDecoder === 'function') connection.decoder.lengthDecoder = uint16BE
  const encrypt = connection.encrypt
  if (typeof encrypt !== 'function') return
  connection.encrypt = function (chunk) {
    const output = encrypt.call(this, chunk)
    // subarray() copies a list's buffers into one (a list of one buffer is returned as it is).
    return output.byteLength <= COALESCE_MAX_BYTES ? new Uint8ArrayList(output.subarray()) : output
  }
}

type NoiseFactory = ReturnType<typeof noise>
type NoiseEncrypter = ReturnType<NoiseFactory>

/** noise(), with each encrypted message written as one buffer, and its reader's chunk ends found without building an error each time. */
export function coalescingNoise (init?: Parameters<typeof noise>[0]): NoiseFactory {
  const factory = noise(init)
  return components => {
    const encrypter: NoiseEncrypter = factory(components)
    const secureInbound = encrypter.secureInbound.bind(encrypter)
    const secureOutbound = encrypter.secureOutbound.bind(encrypter)
    encrypter.secureInbound = async (connection, options) => {
      const secured = await secureInbound(connection, options)
      coalesceWrites(secured.connection as unknown as NoiseConnection)
      return secured
    }
    encrypter.secureOutbound = async (connection, options) => {
      const secured = await secureOutbound(connection, options)
      coalesceWrites(secured.connection as unknown as NoiseConnection)
      return secured
    }
    return encrypter
  }
}

/** The parts of @libp2p/yamux's `YamuxStream` this module reads and replaces. */
interface YamuxStreamInternals {
  state?: number
  recvWindow?: number
  recvWindowCapacity?: number
  sendWindowUpdate?: () => void
}

/** @libp2p/yamux's `StreamState.Established`: an update sent in any other state carries flags (ACK, FIN) and must go. */
const ESTABLISHED = 3

function lazyWindowUpdates (stream: YamuxStreamInternals): void {
  const send = stream.sendWindowUpdate
  if (typeof send !== 'function' || typeof stream.recvWindow !== 'number' || typeof stream.recvWindowCapacity !== 'number') return
  stream.sendWindowUpdate = function (this: YamuxStreamInternals) {
    if (this.state === ESTABLISHED && (this.recvWindowCapacity as number) * 2 >= (this.recvWindow as number)) return
    send.call(this)
  }
}

/** The part of @libp2p/yamux's `YamuxMuxer` this module wraps: where it makes every stream, inbound and outbound. */
interface YamuxMuxerInternals {
  _newStream?: (...args: unknown[]) => YamuxStreamInternals
}

type YamuxFactory = ReturnType<typeof yamux>

/** yamux(), with window updates sent once half a stream's receive window is used. */
export function lazyWindowYamux (init?: Parameters<typeof yamux>[0]): YamuxFactory {
  const factory = yamux(init)
  return () => {
    const muxerFactory = factory()
    const createStreamMuxer = muxerFactory.createStreamMuxer.bind(muxerFactory)
    muxerFactory.createStreamMuxer = maConn => {
      const muxer = createStreamMuxer(maConn)
      const internals = muxer as unknown as YamuxMuxerInternals
      const newStream = internals._newStream
      if (typeof newStream === 'function') {
        internals._newStream = function (this: unknown, ...args: unknown[]) {
          const stream = newStream.apply(this, args)
          lazyWindowUpdates(stream)
          return stream
        }
      }
      return muxer
    }
    return muxerFactory
  }
}
