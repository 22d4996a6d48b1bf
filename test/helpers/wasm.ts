import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import wabtInit from 'wabt'

const FIXTURES = fileURLToPath(new URL('../fixtures/wasm/', import.meta.url))

/** Compiles test/fixtures/wasm/<name>.wat to a module (wabt, the WebAssembly Binary Toolkit's JS build). */
export async function wasmFixture (name: string): Promise<Uint8Array> {
  const wabt = await wabtInit()
  const source = await readFile(join(FIXTURES, `${name}.wat`), 'utf8')
  const parsed = wabt.parseWat(`${name}.wat`, source)
  try {
    return new Uint8Array(parsed.toBinary({}).buffer)
  } finally {
    parsed.destroy()
  }
}
