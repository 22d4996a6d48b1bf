// Worker-thread side of the "wasm" task kind (src/tasks/exec/wasm.ts starts one thread per run
// and terminates it on timeout, cancel, lost lease or stop). Runs one WASI preview1 module with
// node:wasi: no preopens (no files), an empty environment, argv ["task"]. The module sees three
// fds and no more: reads of fd 0 and writes to fds 1 and 2 are served here from memory (the
// task's input; stdout captured up to a cap; stderr's tail kept), and every other call that
// names an fd (fd_*, path_*, sock_*) answers EBADF, so no call of the module ever reaches a real
// file descriptor. node:wasi is still given /dev/null for its stdio (not the process's own fds);
// it closes that fd itself when the thread ends.
// Plain JavaScript so that it runs as it is from the source tree and from an install.
import { openSync } from 'node:fs'
import { WASI } from 'node:wasi'
import { parentPort, workerData } from 'node:worker_threads'

const { module: moduleBytes, input, maxOutputBytes, stderrTailChars } = workerData
const ERRNO_SUCCESS = 0
const ERRNO_BADF = 8
const ERRNO_FAULT = 21
/** Progress goes to the main thread on change only, at most this often. */
const PROGRESS_EVERY_MS = 100

class OutputCapError extends Error {}

const stdout = []
let stdoutBytes = 0
let stderr = ''
let stderrLine = ''
let inputOffset = 0
let memory
let lastProgress = -1
let lastProgressAt = 0

/** The iovec array at `iovs` (count `count`) as [pointer, length] pairs, or null if out of bounds. */
function iovecs (iovs, count) {
  const view = new DataView(memory.buffer)
  const out = []
  if (iovs + count * 8 > memory.buffer.byteLength) return null
  for (let i = 0; i < count; i++) {
    const ptr = view.getUint32(iovs + i * 8, true)
    const len = view.getUint32(iovs + i * 8 + 4, true)
    if (ptr + len > memory.buffer.byteLength) return null
    out.push([ptr, len])
  }
  return out
}

function writeU32 (ptr, value) {
  if (ptr + 4 > memory.buffer.byteLength) return false
  new DataView(memory.buffer).setUint32(ptr, value, true)
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

function run () {
  const devNull = openSync('/dev/null', 'r+')
  {
    const wasi = new WASI({ version: 'preview1', args: ['task'], env: {}, preopens: {}, stdin: devNull, stdout: devNull, stderr: devNull, returnOnExit: true })
    const preview1 = { ...wasi.getImportObject().wasi_snapshot_preview1 }
    for (const name of Object.keys(preview1)) {
      if (/^(fd|path|sock)_/.test(name)) preview1[name] = () => ERRNO_BADF
    }
    preview1.fd_read = (fd, iovs, count, nread) => {
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
    preview1.fd_write = (fd, iovs, count, nwritten) => {
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
    let instance
    try {
      instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { wasi_snapshot_preview1: preview1 })
    } catch (err) {
      return { exitCode: -1, error: `the module cannot run here: ${err.message}` }
    }
    memory = instance.exports.memory
    try {
      const exitCode = wasi.start(instance)
      return { exitCode: exitCode ?? 0 }
    } catch (err) {
      if (err instanceof OutputCapError) return { exitCode: -1, error: err.message }
      if (err instanceof WebAssembly.RuntimeError) return { exitCode: -1, error: `wasm trap: ${err.message}` }
      if (err instanceof RangeError) return { exitCode: -1, error: `wasm ran out of resources: ${err.message}` }
      return { exitCode: -1, error: `wasm failed: ${err.message}` }
    }
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
