import { runCli } from './main.js'

/**
 * Runs the CLI as this process: its arguments, its streams, then its exit code. Shared by both
 * entries: bin.ts (the ES modules tsc builds) and light-bin.ts (the one-file bundle that answers
 * every command but the heavy ones).
 */
export async function runAsProcess (): Promise<never> {
  // Whatever this process creates (the store's files, the peer store, the token) is its user's alone.
  process.umask(0o077)

  // A reader that closes its end early (`| head`) has what it wanted: stop quietly, as Unix tools
  // do, rather than die of an unhandled EPIPE with a stack trace. Exit 0: the command did its work.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => { process.exit(err.code === 'EPIPE' ? 0 : 1) })
  }

  const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
  // The command is done: exit now rather than wait for handles a library may leave behind, once
  // stdout and stderr have taken what was written. Files and terminals take it at once; a pipe
  // whose reader is slower than this process (a large --json to `| jq`) holds the rest in this
  // process until then (measured: without waiting, 10,000 ids piped to `wc -c` lost all but 128 KiB).
  await Promise.all([process.stdout, process.stderr].map(async stream => { await new Promise(resolve => stream.write('', resolve)) }))
  process.exit(code)
}
