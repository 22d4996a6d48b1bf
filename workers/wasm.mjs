// Worker-thread side of the "wasm" task kind (src/tasks/exec/wasm.ts starts one thread per run
// and terminates it on timeout, cancel, lost lease or stop). Runs one WASI preview1 module with
// node:wasi: no preopens (no files), an empty environment, argv ["task"]. fds 0-2 are /dev/null
// underneath; reads of fd 0 and writes to fds 1 and 2 are served here from memory instead, so
// the input is the task's input, stdout is captured up to a cap and stderr's tail is kept.
// Plain JavaScript so that it runs as it is from the source tree and from an install.
import { closeSync, openSync } from 'node:fs'
import { WASI } from 'node:wasi'
import { parentPort, workerData } from 'node:worker_threads'

const { module: moduleBytes, input, maxOutputBytes, stderrTailChars } = workerData
const ERRNO_SUCCESS = 0
const ERRNO_FAULT = 21

class OutputCapError extends Error {}

const stdout = []
let stdoutBytes = 0
let stderr = ''
let stderrLine = ''
let inputOffset = 0
let memory

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
    if (match != null) parentPort.postMessage({ type: 'progress', percent: Math.min(100, Number(match[1])) })
  }
}

function run () {
  const devNull = openSync('/dev/null', 'r+')
  try {
    const wasi = new WASI({ version: 'preview1', args: ['task'], env: {}, preopens: {}, stdin: devNull, stdout: devNull, stderr: devNull, returnOnExit: true })
    const preview1 = { ...wasi.getImportObject().wasi_snapshot_preview1 }
    const fdRead = preview1.fd_read
    const fdWrite = preview1.fd_write
    preview1.fd_read = (fd, iovs, count, nread) => {
      if (fd !== 0) return fdRead(fd, iovs, count, nread)
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
      if (fd !== 1 && fd !== 2) return fdWrite(fd, iovs, count, nwritten)
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
  } finally {
    closeSync(devNull)
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
