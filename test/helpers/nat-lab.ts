import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { BIN, type CliResult } from './cli.js'
import { processAlive } from './procs.js'

/**
 * A small internet with home routers, in network namespaces (issue 14). Needs root, `ip`
 * (iproute2) and `nft` (nftables). Nothing in it has a route out of the machine: the namespaces
 * are joined only to each other, with private addresses.
 *
 *   public (10.200.0.10, the public nodes; forwards between the routers)
 *     ├─ veth 10.201.1.1 ── 10.201.1.2 router 1 ── 192.168.61.1 ── 192.168.61.2 home 1
 *     └─ veth 10.201.2.1 ── 10.201.2.2 router 2 ── 192.168.62.1 ── 192.168.62.2 home 2
 *
 * Each router masquerades what its home sends out (nftables, postrouting) and its forward policy
 * drops every new connection from outside: a home node can dial out, nobody can dial in, as
 * behind a home router. stop() kills what runs inside and deletes the namespaces (their veths
 * go with them); create() first removes what a crashed run left.
 */

const PREFIX = 'meshnat-'

export interface Home {
  router: string
  home: string
  /** The home node's address (private, behind the router). */
  addr: string
  /** The router's outside address: what public peers see a home's connections come from. */
  outside: string
}

export class NatLab {
  private static count = 0
  private readonly children = new Set<ChildProcess>()
  /** The public nodes' address, in the `pub` namespace. */
  readonly publicAddr = '10.200.0.10'

  private constructor (readonly pub: string, readonly homes: Home[], private readonly names: string[]) {}

  /**
   * Why this machine cannot have network namespaces (not root, no `ip`), or undefined when it
   * can. A root machine with namespaces but without `nft` does not skip: create() fails, saying so.
   */
  static unavailable (): string | undefined {
    if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)'
    if (spawnSync('sh', ['-c', 'command -v ip']).status !== 0) return 'needs `ip` (iproute2) for network namespaces'
    return undefined
  }

  static create (): NatLab {
    if (spawnSync('sh', ['-c', 'command -v nft']).status !== 0) throw new Error('the NAT lab needs `nft` (apt-get install nftables; .ci/run installs it)')
    removeStaleLabs()
    const id = `${PREFIX}${process.pid}-${NatLab.count++}`
    // Interface names are at most 15 bytes: a short tag per lab, then the link's role.
    const tag = `n${(process.pid * 8 + NatLab.count).toString(36).slice(-6)}`
    const pub = `${id}-pub`
    const homes: Home[] = [1, 2].map(i => ({ router: `${id}-r${i}`, home: `${id}-h${i}`, addr: `192.168.6${i}.2`, outside: `10.201.${i}.2` }))
    const names = [pub, ...homes.flatMap(h => [h.router, h.home])]
    const lab = new NatLab(pub, homes, names)
    try {
      for (const name of names) {
        ip('netns', 'add', name)
        ip('-n', name, 'link', 'set', 'lo', 'up')
      }
      // On the namespace's loopback (this kernel has no dummy links): the routers reach it by their default route.
      ip('-n', pub, 'addr', 'add', `${lab.publicAddr}/32`, 'dev', 'lo')
      sysctl(pub, 'net.ipv4.ip_forward=1')
      homes.forEach((h, k) => {
        const i = k + 1
        const [wanPub, wanRouter, lanRouter, lanHome] = [`${tag}w${i}p`, `${tag}w${i}r`, `${tag}l${i}r`, `${tag}l${i}h`]
        // public <-> router
        ip('-n', pub, 'link', 'add', wanPub, 'type', 'veth', 'peer', 'name', wanRouter, 'netns', h.router)
        ip('-n', pub, 'addr', 'add', `10.201.${i}.1/24`, 'dev', wanPub)
        ip('-n', pub, 'link', 'set', wanPub, 'up')
        ip('-n', h.router, 'addr', 'add', `${h.outside}/24`, 'dev', wanRouter)
        ip('-n', h.router, 'link', 'set', wanRouter, 'up')
        ip('-n', h.router, 'route', 'add', 'default', 'via', `10.201.${i}.1`)
        // router <-> home
        ip('-n', h.router, 'link', 'add', lanRouter, 'type', 'veth', 'peer', 'name', lanHome, 'netns', h.home)
        ip('-n', h.router, 'addr', 'add', `192.168.6${i}.1/24`, 'dev', lanRouter)
        ip('-n', h.router, 'link', 'set', lanRouter, 'up')
        ip('-n', h.home, 'addr', 'add', `${h.addr}/24`, 'dev', lanHome)
        ip('-n', h.home, 'link', 'set', lanHome, 'up')
        ip('-n', h.home, 'route', 'add', 'default', 'via', `192.168.6${i}.1`)
        sysctl(h.router, 'net.ipv4.ip_forward=1')
        nft(h.router, [
          'table ip nat {',
          '  chain postrouting {',
          '    type nat hook postrouting priority srcnat; policy accept;',
          `    oifname "${wanRouter}" masquerade`,
          '  }',
          '}',
          'table inet filter {',
          '  chain forward {',
          '    type filter hook forward priority filter; policy drop;',
          '    ct state established,related accept',
          `    iifname "${lanRouter}" oifname "${wanRouter}" accept`,
          '  }',
          '}',
          ''
        ].join('\n'))
      })
    } catch (err) {
      lab.stop()
      throw err
    }
    return lab
  }

  /** `mesh-node start <args>` inside namespace `ns`; its output so far from `output()`. stop() kills it. */
  start (ns: string, args: string[]): { child: ChildProcess, exited: Promise<number | null>, output: () => string } {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, 'start', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.add(child)
    let output = ''
    child.stdout?.on('data', chunk => { output += String(chunk) })
    child.stderr?.on('data', chunk => { output += String(chunk) })
    const exited = new Promise<number | null>(resolve => {
      child.once('exit', code => { this.children.delete(child); resolve(code) })
    })
    return { child, exited, output: () => output }
  }

  /** A `mesh-node` CLI command run to completion inside namespace `ns` (its API is on that namespace's loopback). */
  async cli (ns: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
    return await new Promise(resolve => {
      execFile('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
      })
    })
  }

  /** Whether a TCP connection from namespace `ns` to host:port opens within 3 s. */
  async canConnect (ns: string, host: string, port: number): Promise<boolean> {
    const script = `const s = require('node:net').connect(${port}, ${JSON.stringify(host)}); s.setTimeout(3000); s.on('connect', () => process.exit(0)); s.on('timeout', () => process.exit(1)); s.on('error', () => process.exit(1))`
    return await new Promise(resolve => {
      execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { timeout: 10_000 }, err => { resolve(err == null) })
    })
  }

  /** The body of an HTTP GET made from inside namespace `ns` (a node's API is on that namespace's loopback). */
  async get (ns: string, url: string): Promise<string> {
    const script = `fetch(${JSON.stringify(url)}).then(r => r.text()).then(t => process.stdout.write(t), () => process.exit(1))`
    return await new Promise((resolve, reject) => {
      execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => { if (err != null) reject(err); else resolve(stdout) })
    })
  }

  /** Kills what runs in the lab and deletes its namespaces, whatever state they are in. */
  stop (): void {
    for (const child of this.children) {
      if (child.exitCode == null) child.kill('SIGKILL')
    }
    this.children.clear()
    for (const name of this.names) {
      try { ip('netns', 'del', name) } catch {}
    }
  }
}

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

function sysctl (ns: string, setting: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', setting], { stdio: ['ignore', 'ignore', 'pipe'] })
}

function nft (ns: string, rules: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, stdio: ['pipe', 'ignore', 'pipe'] })
}

/** Namespaces of labs whose test process died before its cleanup ran. */
function removeStaleLabs (): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map(line => line.split(' ')[0] ?? '')
  for (const name of names) {
    const pid = Number(/^meshnat-(\d+)-\d+-/.exec(name)?.[1])
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      try { ip('netns', 'del', name) } catch {}
    }
  }
}
