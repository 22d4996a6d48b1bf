// Worker-thread side of the "wasm" task kind (src/tasks/exec/wasm.ts starts one thread per run
// and terminates it on timeout, cancel, lost lease or stop). Runs one WASI preview1 module whose
// every import is a function of this file, so no call of the module reaches the host process:
// - fd 0 reads the task's input, fds 1 and 2 write stdout (captured up to a cap) and stderr (its
//   tail kept), all from memory; every other fd_*, path_* and sock_* call answers EBADF (no
//   preopens, no sockets, no real file descriptor behind any number);
// - argv is ["task"], the environment empty;
// - proc_exit ends the run with its code; proc_raise ends it as a failure naming the signal (a
//   signal never leaves the sandbox);
// - clocks, randomness, poll_oneoff and sched_yield are still node:wasi's.
// A name that wasi_snapshot_preview1 does not have is not in the import object: the module fails
// to link.
// Plain JavaScript so that it runs as it is from the source tree and from an install.
import { openSync } from 'node:fs'
import { WASI } from 'node:wasi'
import { parentPort, workerData } from 'node:worker_threads'

const { module: moduleBytes, input, maxOutputBytes, stderrTailChars } = workerData
const ERRNO_SUCCESS = 0
const ERRNO_BADF = 8
const ERRNO_FAULT = 21
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

/** The whole of wasi_snapshot_preview1 (46 functions) as this sandbox serves it. */
function preview1Imports (wasi) {
  const args = stringList(ARGV)
  const environ = stringList([])
  const node = wasi.getImportObject().wasi_snapshot_preview1
  const imports = {
    args_get: args.get,
    args_sizes_get: args.sizes,
    environ_get: environ.get,
    environ_sizes_get: environ.sizes,
    clock_res_get: node.clock_res_get,
    clock_time_get: node.clock_time_get,
    poll_oneoff: node.poll_oneoff,
    random_get: node.random_get,
    sched_yield: node.sched_yield,
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
  const devNull = openSync('/dev/null', 'r+')
  const wasi = new WASI({ version: 'preview1', args: ARGV, env: {}, preopens: {}, stdin: devNull, stdout: devNull, stderr: devNull, returnOnExit: true })
  let instance
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { wasi_snapshot_preview1: preview1Imports(wasi) })
  } catch (err) {
    return { exitCode: -1, error: `the module cannot run here: ${err.message}` }
  }
  memory = instance.exports.memory
  try {
    const exitCode = wasi.start(instance)
    return { exitCode: exitCode ?? 0 }
  } catch (err) {
    if (err instanceof ProcExit) return { exitCode: err.code }
    if (err instanceof ProcRaise) return { exitCode: -1, error: `the module raised signal ${err.signal} (${signalName(err.signal)}); a signal never leaves the sandbox, it ends the run` }
    if (err instanceof OutputCapError) return { exitCode: -1, error: err.message }
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
  stdout: output,
  stderr,
  memoryBytes: memory?.buffer.byteLength ?? 0
}, [output.buffer])
