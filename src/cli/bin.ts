import '../polyfill.js'
import { runCli } from './main.js'

// Whatever this process creates (the store's files, the peer store, the token) is its user's alone.
process.umask(0o077)

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
// The command is done: exit now rather than wait for handles a library may leave behind.
// (stdout and stderr are synchronous for files, pipes and terminals on Linux, so nothing is lost.)
process.exit(code)
