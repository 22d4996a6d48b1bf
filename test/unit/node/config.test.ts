import { describe, expect, it } from 'vitest'
import { compileConfig, DEFAULT_LISTEN, DEFAULT_LISTEN_IP6, defaultListen, parseApiAddress } from '../../../src/node/config.js'
import { configFromEnv, mergeConfigSources } from '../../../src/node/config-sources.js'

const PEER = '12D3KooWQuySoVr5biAFub8SFZNXhQp1DVnbtAw3a9oV1U6CjEsj'

describe('compileConfig', () => {
  it('fills defaults', () => {
    const config = compileConfig({}, '/work')
    expect(config).toMatchObject({
      listen: defaultListen(),
      bootstrap: [],
      network: 'mesh',
      mdns: false,
      dht: false,
      api: { host: '127.0.0.1', port: 7373 },
      logLevel: 'info'
    })
    expect(config.dataDir).toMatch(/\.mesh-node$/)
    expect(config.swarmKeyFile).toBeUndefined()
  })

  it('listens on IPv6 next to IPv4 by default only where the host has IPv6', () => {
    const v4 = { address: '10.0.0.2', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: false, cidr: '10.0.0.2/8' }
    const v6 = { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6' as const, mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 }
    expect(defaultListen({ eth0: [v4] })).toEqual([DEFAULT_LISTEN])
    expect(defaultListen({ eth0: [v4], lo: [v6] })).toEqual([DEFAULT_LISTEN, DEFAULT_LISTEN_IP6])
    expect(defaultListen({})).toEqual([DEFAULT_LISTEN])
  })

  it('takes what a relay grants from sizes and numbers, with the mesh\'s defaults', () => {
    expect(compileConfig({}, '/work').relayLimits).toEqual({ maxReservations: 64, durationMs: 600_000, dataBytes: 16 * 1024 * 1024 })
    expect(compileConfig({ relayMaxReservations: '8', relayMaxDurationMs: '60000', relayMaxBytes: '1MiB' }, '/work').relayLimits).toEqual({ maxReservations: 8, durationMs: 60_000, dataBytes: 1024 * 1024 })
  })

  it('resolves relative paths against the working directory', () => {
    const config = compileConfig({ dataDir: 'data', swarmKey: 'keys/swarm.key' }, '/work')
    expect(config.dataDir).toBe('/work/data')
    expect(config.swarmKeyFile).toBe('/work/keys/swarm.key')
  })

  it.each([
    [{ listen: ['nope'] }, 'listen[0]'],
    [{ relayMaxDurationMs: 999 }, 'relayMaxDurationMs'],
    [{ relayMaxBytes: 'lots' }, 'relayMaxBytes'],
    [{ relayMaxReservations: 0 }, 'relayMaxReservations'],
    [{ listen: [] }, 'listen'],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, 'bootstrap[0]: a bootstrap address must end in /p2p/'],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/'] }, 'bootstrap[0]: "/ip4/127.0.0.1/tcp/4001/p2p/" has an empty peer id'],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/not-a-peer'] }, 'bootstrap[0]: "/ip4/127.0.0.1/tcp/4001/p2p/not-a-peer" ends in /p2p/not-a-peer, which is not a peer id'],
    [{ listen: ['/ip4/1.2.3.4/tcp/'] }, 'listen[0]: "/ip4/1.2.3.4/tcp/" is not a valid multiaddr'],
    [{ network: 'Has Space' }, 'network'],
    [{ network: 'a/b' }, 'network'],
    [{ api: '0.0.0.0:7373' }, 'api: the control API listens on loopback only'],
    [{ api: '127.0.0.1' }, 'api'],
    [{ api: '127.0.0.1:99999' }, 'api'],
    [{ logLevel: 'loud' }, 'logLevel'],
    [{ mdns: 'maybe' }, 'mdns'],
    [{ unknownField: 1 }, 'unknownField'],
    [{ bootstrapRedialMs: 5 }, 'bootstrapRedialMs']
  ])('refuses %j with one line naming the field', (raw, field) => {
    let caught: unknown
    try {
      compileConfig(raw)
    } catch (err) {
      caught = err
    }
    expect(caught).toMatchObject({ code: 'CONFIG_INVALID' })
    const message = (caught as Error).message
    expect(message).toContain(field)
    expect(message).not.toContain('\n')
  })

  it('accepts loopback API hosts, port 0, and "off"', () => {
    expect(compileConfig({ api: '127.0.0.1:0' }).api).toEqual({ host: '127.0.0.1', port: 0 })
    expect(compileConfig({ api: 'localhost:8080' }).api).toEqual({ host: 'localhost', port: 8080 })
    expect(compileConfig({ api: '[::1]:8080' }).api).toEqual({ host: '::1', port: 8080 })
    expect(compileConfig({ api: 'off' }).api).toBeNull()
    expect(compileConfig({ api: null }).api).toBeNull()
    expect(compileConfig({ bootstrap: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`] }).bootstrap).toHaveLength(1)
  })

  it('parses API addresses with or without http://', () => {
    expect(parseApiAddress('http://127.0.0.1:7373')).toEqual({ host: '127.0.0.1', port: 7373 })
    expect(parseApiAddress('127.0.0.1:7373/')).toEqual({ host: '127.0.0.1', port: 7373 })
    expect(parseApiAddress('7373')).toBeUndefined()
  })
})

describe('config sources', () => {
  it('reads MESH_* variables, lists comma-separated', () => {
    expect(configFromEnv({
      MESH_DATA_DIR: '/d',
      MESH_LISTEN: '/ip4/127.0.0.1/tcp/1, /ip4/127.0.0.1/tcp/2',
      MESH_MDNS: 'true',
      MESH_NETWORK: '',
      OTHER: 'x'
    })).toEqual({ dataDir: '/d', listen: ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2'], mdns: 'true' })
  })

  it('gives flags precedence over env over file, field by field, lists replaced whole', () => {
    const file = { network: 'file', listen: ['/ip4/127.0.0.1/tcp/1'], dht: true, logLevel: 'debug' }
    const env = { network: 'env', listen: ['/ip4/127.0.0.1/tcp/2'] }
    const flags = { network: 'flag', listen: undefined, dht: undefined }
    const merged = compileConfig(mergeConfigSources(file, env, flags))
    expect(merged).toMatchObject({ network: 'flag', listen: ['/ip4/127.0.0.1/tcp/2'], dht: true, logLevel: 'debug' })
  })
})
