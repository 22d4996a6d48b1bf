import '../polyfill.js'
import { runAsProcess } from './process.js'

await runAsProcess()
