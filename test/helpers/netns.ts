import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { processAlive } from './procs.js'

/**
 * A network namespace joined to this one by a veth pair, for tests that need source addresses
 * other than 127.0.0.1 (everything on loopback comes from one address). Needs root and `ip`
 * (iproute2). Traffic stays on the veth: the namespace has no other interface and no route out.
 *
 * Host side: 10.<first>.<third>.1/24 on each subnet the namespace uses; namespace side: the
 * addresses asked for. A child started with spawn() runs inside the namespace; stop() kills
 * the children and deletes the namespace (and so the veth pair), whatever state it is in.
 */
export class TestNamespace {
  private static count = 0
  private readonly children: ChildProcess[] = []

  private constructor (readonly name: string, private readonly hostLink: string, readonly hostAddress: string, readonly subnets: string[][]) {}

  /**
   * `sizes[i]` addresses in the i-th /24 (10.77.x.0/24, then 10.78.x.0/24, ...); the host side is
   * 10.77.x.1, and the namespace's addresses start at .2 in each.
   */
  static create (sizes: number[]): TestNamespace {
    removeStaleNamespaces()
    const n = TestNamespace.count++
    const name = `${PREFIX}${process.pid}-${n}`
    // Interface names are at most 15 bytes; the pid and counter keep parallel runs apart.
    const hostLink = `mt${process.pid}x${n}h`
    const nsLink = `mt${process.pid}x${n}n`
    const third = (process.pid * 7 + n) % 250 + 2
    const subnets = sizes.map((size, i) => Array.from({ length: size }, (_, k) => `10.${77 + i}.${third}.${k + 2}`))
    const ns = new TestNamespace(name, hostLink, `10.77.${third}.1`, subnets)
    try {
      ip('netns', 'add', name)
      ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink, 'netns', name)
      ip('addr', 'add', `${ns.hostAddress}/24`, 'dev', hostLink)
      ip('link', 'set', hostLink, 'up')
      ip('-n', name, 'link', 'set', 'lo', 'up')
      ip('-n', name, 'link', 'set', nsLink, 'up')
      subnets.forEach((addrs, i) => {
        for (const addr of addrs) ip('-n', name, 'addr', 'add', `${addr}/24`, 'dev', nsLink)
        // Other subnets reach the host through the veth (the first is on-link already).
        if (i > 0) ip('route', 'add', `10.${77 + i}.${third}.0/24`, 'dev', hostLink)
      })
    } catch (err) {
      ns.stop()
      throw err
    }
    return ns
  }

  /** Starts `node <args>` inside the namespace; stop() kills it. */
  spawnNode (args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.push(child)
    return child
  }

  stop (): void {
    for (const child of this.children.splice(0)) {
      if (child.pid != null && child.exitCode == null) child.kill('SIGKILL')
    }
    try { ip('netns', 'del', this.name) } catch {}
    // The pair goes with the namespace; this is for a namespace that was never made.
    try { ip('link', 'del', this.hostLink) } catch {}
  }
}

const PREFIX = 'meshtest-'

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Namespaces left by a test process that died before its cleanup ran. */
function removeStaleNamespaces (): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map(line => line.split(' ')[0] ?? '')
  for (const name of names) {
    const pid = Number(/^meshtest-(\d+)-\d+$/.exec(name)?.[1])
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      try { ip('netns', 'del', name) } catch {}
    }
  }
}
