import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../src/logger.js'
import { createMeshNode, type MeshNode, type MeshNodeDeps } from '../../src/node/mesh-node.js'
import type { RawConfig } from '../../src/node/config.js'

/** Temporary dirs and started nodes of one test file, all removed by cleanup(). */
export class TestMesh {
  private readonly nodes: MeshNode[] = []
  private readonly dirs: string[] = []

  async tempDir (prefix = 'mesh-test-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  /** A started node on 127.0.0.1 with a random port, its own temp data dir and no API unless asked. */
  async node (config: RawConfig = {}, deps: MeshNodeDeps = {}): Promise<MeshNode> {
    const name = `node${this.nodes.length}`
    const node = createMeshNode({
      dataDir: config.dataDir ?? await this.tempDir(),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      api: null,
      // Tests stop nodes without waiting for running tasks unless they ask for a drain.
      drainTimeoutMs: 0,
      ...config
    }, { logger: createLogger({ level: process.env.MESH_TEST_LOG === '1' ? 'debug' : 'silent', name }), ...deps })
    this.nodes.push(node)
    await node.start()
    return node
  }

  async cleanup (): Promise<void> {
    await Promise.all(this.nodes.splice(0).map(async node => { await node.stop() }))
    await Promise.all(this.dirs.splice(0).map(async dir => { await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) }))
  }
}

/** The node's first listen address with its /p2p/ suffix, for use as a bootstrap address. */
export function addrOf (node: MeshNode): string {
  const addr = node.status().addrs.find(a => a.includes('/ip4/127.0.0.1/'))
  if (addr == null) throw new Error(`node ${node.peerId} has no loopback address`)
  return addr
}
