// Worker-thread side of the "wasm" task kind (src/tasks/exec/wasm.ts starts one thread per run
// and terminates it on timeout, cancel, lost lease or stop). Runs one WASI preview1 module whose
// every import is a function of this file (node:wasi is not used), so no call of the module
// reaches the host process, and a run depends only on the module and its input (honest replicas
// must agree: the owner compares their outputs). What a module sees is the README's
// "WebAssembly tasks" section; in short:
// - fd 0 reads the task's input, fds 1 and 2 write stdout (captured up to a cap) and stderr (its
//   tail kept), all from memory; every other fd_*, path_* and sock_* call answers EBADF;
// - argv is ["task"], the environment empty;
// - one logical clock: it starts at 0 (realtime: 2000-01-01T00:00:00Z) and each clock read
//   advances it 1 ms; a poll_oneoff on clocks alone jumps it to the earliest deadline at once;
// - random_get: a keystream seeded from the module's and the input's SHA-256;
// - sched_yield does nothing; proc_exit ends the run with its code; proc_raise ends it as a
//   failure naming the signal (a signal never leaves the sandbox).
// A name that wasi_snapshot_preview1 does not have is not in the import object: the module fails
// to link.
// Plain JavaScript so that it runs as it is from the source tree and from an install.
import { createCipheriv, createHash } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'

const { module: moduleBytes, input, maxOutputBytes, stderrTailChars } = workerData
const ERRNO_SUCCESS = 0
const ERRNO_BADF = 8
const ERRNO_FAULT = 21
const ERRNO_INVAL = 28
const ARGV = ['task']
/** WASI signal numbers (not POSIX ones: 18 is STOP), for the failure message. */
const WASI_SIGNALS = ['NONE', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM',
  'TERM', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'POLL', 'PWR', 'SYS']
/** Calls that name an fd, a path (relative to a preopened fd) or a socket: none exists here. */
const NO_SUCH_FD = [
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_fdstat_set_rights',
  'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_prestat_get', 'fd_prestat_dir_name',
  'fd_pwrite', 'fd_readdir', 'fd_renumber', 'fd_seek', 'fd_sync', 'fd_tell',
  'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link', 'path_open', 'path_readlink',
  'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file',
  'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown'
]
const MS = 1_000_000n
/** The realtime clock at logical time 0: 2000-01-01T00:00:00Z, in ns since the Unix epoch. */
const REALTIME_AT_ZERO = 946_684_800_000_000_000n
const CLOCK_REALTIME = 0
/** Clock ids 0-3: realtime, monotonic, process and thread CPU time. */
const CLOCKS = 4
const EVENTTYPE_CLOCK = 0
const EVENTTYPE_FD_READ = 1
const EVENTTYPE_FD_WRITE = 2
const SUBSCRIPTION_CLOCK_ABSTIME = 1
const EVENTRWFLAGS_HANGUP = 1
/** What poll_oneoff says fds 1 and 2 can take (a constant: the real room depends on the node). */
const WRITABLE_BYTES = 65_536n
/** Domain separation for the random_get seed; a new scheme gets a new label. */
const RANDOM_LABEL = 'mesh-node wasm random_get v1\0'
const RANDOM_CHUNK = 65_536
/** Progress goes to the main thread on change only, at most this often. */
const PROGRESS_EVERY_MS = 100

class OutputCapError extends Error {}
/** Thrown by proc_exit: unwinds the module and ends the run with this code. */
class ProcExit {
  constructor (code) { this.code = code }
}
/** Thrown by proc_raise: unwinds the module and ends the run as a failure. */
class ProcRaise {
  constructor (signal) { this.signal = signal }
}

const stdout = []
let stdoutBytes = 0
let stderr = ''
let stderrLine = ''
let inputOffset = 0
let memory
/** The logical clock, in ns. */
let now = 0n
let keystream
let lastProgress = -1
let lastProgressAt = 0

/** Whether [ptr, ptr + len) lies inside the module's memory (pointers arrive as signed i32). */
function inBounds (ptr, len) {
  return (ptr >>> 0) + len <= memory.buffer.byteLength
}

/** The iovec array at `iovs` (count `count`) as [pointer, length] pairs, or null if out of bounds. */
function iovecs (iovs, count) {
  iovs >>>= 0
  count >>>= 0
  if (!inBounds(iovs, count * 8)) return null
  const view = new DataView(memory.buffer)
  const out = []
  for (let i = 0; i < count; i++) {
    const ptr = view.getUint32(iovs + i * 8, true)
    const len = view.getUint32(iovs + i * 8 + 4, true)
    if (!inBounds(ptr, len)) return null
    out.push([ptr, len])
  }
  return out
}

function writeU32 (ptr, value) {
  if (!inBounds(ptr, 4)) return false
  new DataView(memory.buffer).setUint32(ptr >>> 0, value, true)
  return true
}

function onStderr (text) {
  stderr = (stderr + text).slice(-stderrTailChars)
  stderrLine += text
  const lines = stderrLine.split('\n')
  stderrLine = lines.pop().slice(-256)
  for (const line of lines) {
    const match = /^progress (\d{1,3})\s*$/.exec(line)
    if (match == null) continue
    const percent = Math.min(100, Number(match[1]))
    const now = Date.now()
    if (percent !== lastProgress && now - lastProgressAt >= PROGRESS_EVERY_MS) {
      lastProgress = percent
      lastProgressAt = now
      parentPort.postMessage({ type: 'progress', percent })
    }
  }
}

function fdRead (fd, iovs, count, nread) {
  if (fd !== 0) return ERRNO_BADF
  const vecs = iovecs(iovs, count)
  if (vecs == null) return ERRNO_FAULT
  const bytes = new Uint8Array(memory.buffer)
  let n = 0
  for (const [ptr, len] of vecs) {
    const chunk = input.subarray(inputOffset, inputOffset + len)
    bytes.set(chunk, ptr)
    inputOffset += chunk.length
    n += chunk.length
    if (chunk.length < len) break
  }
  return writeU32(nread, n) ? ERRNO_SUCCESS : ERRNO_FAULT
}

function fdWrite (fd, iovs, count, nwritten) {
  if (fd !== 1 && fd !== 2) return ERRNO_BADF
  const vecs = iovecs(iovs, count)
  if (vecs == null) return ERRNO_FAULT
  let n = 0
  for (const [ptr, len] of vecs) {
    const chunk = new Uint8Array(memory.buffer, ptr, len)
    if (fd === 1) {
      if (stdoutBytes + len > maxOutputBytes) throw new OutputCapError(`output over ${maxOutputBytes} bytes`)
      stdout.push(chunk.slice())
      stdoutBytes += len
    } else {
      onStderr(new TextDecoder().decode(chunk))
    }
    n += len
  }
  return writeU32(nwritten, n) ? ERRNO_SUCCESS : ERRNO_FAULT
}

/** args_* and environ_*: a list of NUL-terminated strings, as WASI lays them out. */
function stringList (strings) {
  const encoded = strings.map(s => new TextEncoder().encode(`${s}\0`))
  const size = encoded.reduce((sum, s) => sum + s.length, 0)
  return {
    sizes: (countPtr, sizePtr) => writeU32(countPtr, encoded.length) && writeU32(sizePtr, size) ? ERRNO_SUCCESS : ERRNO_FAULT,
    get: (pointers, buffer) => {
      if (!inBounds(pointers, encoded.length * 4) || !inBounds(buffer, size)) return ERRNO_FAULT
      let at = buffer >>> 0
      for (const [i, s] of encoded.entries()) {
        writeU32((pointers >>> 0) + i * 4, at)
        new Uint8Array(memory.buffer).set(s, at)
        at += s.length
      }
      return ERRNO_SUCCESS
    }
  }
}

/** The clock `id` reads at logical time `at`, or null if there is no such clock. */
function clockAt (id, at) {
  if (id >>> 0 >= CLOCKS) return null
  return id === CLOCK_REALTIME ? REALTIME_AT_ZERO + at : at
}

function clockResGet (id, resolution) {
  if (clockAt(id, now) == null) return ERRNO_INVAL
  if (!inBounds(resolution, 8)) return ERRNO_FAULT
  new DataView(memory.buffer).setBigUint64(resolution >>> 0, MS, true)
  return ERRNO_SUCCESS
}

function clockTimeGet (id, precision, time) {
  const value = clockAt(id, now)
  if (value == null) return ERRNO_INVAL
  if (!inBounds(time, 8)) return ERRNO_FAULT
  new DataView(memory.buffer).setBigUint64(time >>> 0, value, true)
  // Time moves with reads, so a module waiting for it by reading a clock in a loop gets there.
  now += MS
  return ERRNO_SUCCESS
}

/**
 * Nothing here blocks: fd subscriptions are ready (fd 0 with the unread input, fds 1 and 2
 * writable) or answer EBADF, and are reported alone; clock subscriptions alone move the logical
 * clock to the earliest deadline and report those that are due.
 */
function pollOneoff (subscriptions, events, count, eventCount) {
  count >>>= 0
  if (count === 0) return ERRNO_INVAL
  if (!inBounds(subscriptions, count * 48) || !inBounds(events, count * 32) || !inBounds(eventCount, 4)) return ERRNO_FAULT
  const view = new DataView(memory.buffer)
  const subs = []
  for (let i = 0; i < count; i++) {
    const at = (subscriptions >>> 0) + i * 48
    const sub = { userdata: view.getBigUint64(at, true), type: view.getUint8(at + 8) }
    if (sub.type === EVENTTYPE_CLOCK) {
      const id = view.getUint32(at + 16, true)
      const timeout = view.getBigUint64(at + 24, true)
      const absolute = (view.getUint16(at + 40, true) & SUBSCRIPTION_CLOCK_ABSTIME) !== 0
      sub.valid = clockAt(id, 0n) != null
      sub.deadline = !absolute ? now + timeout : id === CLOCK_REALTIME ? timeout - REALTIME_AT_ZERO : timeout
    } else if (sub.type === EVENTTYPE_FD_READ || sub.type === EVENTTYPE_FD_WRITE) {
      sub.fd = view.getUint32(at + 16, true)
    } else {
      return ERRNO_INVAL
    }
    subs.push(sub)
  }
  const ready = []
  if (subs.some(s => s.type !== EVENTTYPE_CLOCK || !s.valid)) {
    for (const sub of subs) {
      if (sub.type === EVENTTYPE_CLOCK) {
        if (!sub.valid) ready.push({ ...sub, error: ERRNO_INVAL })
      } else if (sub.type === EVENTTYPE_FD_READ && sub.fd === 0) {
        const unread = BigInt(input.length - inputOffset)
        ready.push({ ...sub, error: ERRNO_SUCCESS, nbytes: unread, flags: unread === 0n ? EVENTRWFLAGS_HANGUP : 0 })
      } else if (sub.type === EVENTTYPE_FD_WRITE && (sub.fd === 1 || sub.fd === 2)) {
        ready.push({ ...sub, error: ERRNO_SUCCESS, nbytes: WRITABLE_BYTES })
      } else {
        ready.push({ ...sub, error: ERRNO_BADF })
      }
    }
  } else {
    const earliest = subs.reduce((min, s) => s.deadline < min ? s.deadline : min, subs[0].deadline)
    if (earliest > now) now = earliest
    for (const sub of subs) if (sub.deadline <= now) ready.push({ ...sub, error: ERRNO_SUCCESS })
  }
  for (const [i, event] of ready.entries()) {
    const at = (events >>> 0) + i * 32
    new Uint8Array(memory.buffer, at, 32).fill(0)
    view.setBigUint64(at, event.userdata, true)
    view.setUint16(at + 8, event.error, true)
    view.setUint8(at + 10, event.type)
    view.setBigUint64(at + 16, event.nbytes ?? 0n, true)
    view.setUint16(at + 24, event.flags ?? 0, true)
  }
  view.setUint32(eventCount >>> 0, ready.length, true)
  return ERRNO_SUCCESS
}

/** AES-256-CTR keystream (zero IV) keyed by SHA-256(label ‖ SHA-256(module) ‖ SHA-256(input)). */
function randomGet (buffer, length) {
  length >>>= 0
  if (!inBounds(buffer, length)) return ERRNO_FAULT
  if (keystream == null) {
    const sha256 = bytes => createHash('sha256').update(bytes).digest()
    const seed = createHash('sha256').update(RANDOM_LABEL).update(sha256(moduleBytes)).update(sha256(input)).digest()
    keystream = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16))
  }
  for (let done = 0; done < length; done += RANDOM_CHUNK) {
    const n = Math.min(RANDOM_CHUNK, length - done)
    new Uint8Array(memory.buffer).set(keystream.update(Buffer.alloc(n)), (buffer >>> 0) + done)
  }
  return ERRNO_SUCCESS
}

/** The whole of wasi_snapshot_preview1 (46 functions) as this sandbox serves it. */
function preview1Imports () {
  const args = stringList(ARGV)
  const environ = stringList([])
  const imports = {
    args_get: args.get,
    args_sizes_get: args.sizes,
    environ_get: environ.get,
    environ_sizes_get: environ.sizes,
    clock_res_get: clockResGet,
    clock_time_get: clockTimeGet,
    poll_oneoff: pollOneoff,
    random_get: randomGet,
    sched_yield: () => ERRNO_SUCCESS,
    proc_exit: code => { throw new ProcExit(code) },
    proc_raise: signal => { throw new ProcRaise(signal) },
    fd_read: fdRead,
    fd_write: fdWrite
  }
  for (const name of NO_SUCH_FD) imports[name] = () => ERRNO_BADF
  return imports
}

function signalName (signal) {
  const name = WASI_SIGNALS[signal]
  return name == null ? 'not a WASI signal' : `SIG${name}`
}

function run () {
  let instance
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { wasi_snapshot_preview1: preview1Imports() })
  } catch (err) {
    return { exitCode: -1, error: `the module cannot run here: ${err.message}` }
  }
  memory = instance.exports.memory
  try {
    instance.exports._start()
    return { exitCode: 0 }
  } catch (err) {
    if (err instanceof ProcExit) return { exitCode: err.code }
    if (err instanceof ProcRaise) return { exitCode: -1, error: `the module raised signal ${err.signal} (${signalName(err.signal)}); a signal never leaves the sandbox, it ends the run` }
    if (err instanceof OutputCapError) return { exitCode: -1, error: err.message, localLimit: true }
    if (err instanceof WebAssembly.RuntimeError) return { exitCode: -1, error: `wasm trap: ${err.message}` }
    if (err instanceof RangeError) return { exitCode: -1, error: `wasm ran out of resources: ${err.message}` }
    return { exitCode: -1, error: `wasm failed: ${err.message}` }
  }
}

const outcome = run()
const output = new Uint8Array(stdoutBytes)
let offset = 0
for (const chunk of stdout) {
  output.set(chunk, offset)
  offset += chunk.length
}
parentPort.postMessage({
  type: 'done',
  exitCode: outcome.exitCode,
  ...(outcome.error != null ? { error: outcome.error } : {}),
  // The worker's own output cap stopped it: a limit of this node, not a property of the task.
  ...(outcome.localLimit === true ? { localLimit: true } : {}),
  stdout: output,
  stderr,
  memoryBytes: memory?.buffer.byteLength ?? 0
}, [output.buffer])
