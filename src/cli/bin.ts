import '../polyfill.js'
import { runCli } from './main.js'

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
// The command is done: exit now rather than wait for handles a library may leave behind.
// (stdout and stderr are synchronous for files, pipes and terminals on Linux, so nothing is lost.)
process.exit(code)
