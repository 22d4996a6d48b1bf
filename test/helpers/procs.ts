import { readdirSync, readFileSync } from 'node:fs'

/**
 * Live processes from /proc, not counting zombies (this machine's PID 1 does not reap them, so
 * `kill(pid, 0)` would call a dead process alive).
 */
function liveProcesses (): Array<{ pid: number, pgrp: number, cmdline: string }> {
  const out: Array<{ pid: number, pgrp: number, cmdline: string }> = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    let cmdline = ''
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
    } catch {}
    if (state !== 'Z') out.push({ pid: Number(entry), pgrp: Number(pgrp), cmdline })
  }
  return out
}

export function processAlive (pid: number): boolean {
  return liveProcesses().some(p => p.pid === pid)
}

export function groupAlive (pgid: number): boolean {
  return liveProcesses().some(p => p.pgrp === pgid)
}

/** Live processes whose command line contains `text`. */
export function processesMatching (text: string): number[] {
  return liveProcesses().filter(p => p.cmdline.includes(text)).map(p => p.pid)
}
