import { preSharedKey } from '@libp2p/pnet'
import { describe, expect, it } from 'vitest'
import { generateSwarmKey, parseSwarmKey } from '../../../src/node/swarm-key.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('swarm keys', () => {
  it('generates 95-byte keys in the IPFS swarm.key format, each different', () => {
    const a = generateSwarmKey()
    const b = generateSwarmKey()
    expect(a.byteLength).toBe(95)
    expect(new TextDecoder().decode(a)).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(a).not.toEqual(b)
  })

  it('makes keys @libp2p/pnet takes (the protector decodes the key when it is made), and refuses what it would not', () => {
    expect(() => preSharedKey({ psk: generateSwarmKey() })()).not.toThrow()
    expect(() => preSharedKey({ psk: text('/key/swarm/psk/1.0.0/\n/base16/\nzz') })()).toThrow()
  })

  it('normalizes trailing newlines, CRLF and upper-case hex to the canonical form', () => {
    const key = generateSwarmKey()
    const canonical = new TextDecoder().decode(key)
    const messy = canonical.replace(/\n/g, '\r\n').replace(/[0-9a-f]{64}$/, hex => hex.toUpperCase()) + '\r\n'
    expect(parseSwarmKey(text(messy), 'k')).toEqual(key)
  })

  it.each([
    '',
    'garbage',
    '/key/swarm/psk/1.0.0/\n/base16/\nabc',
    '/key/swarm/psk/1.0.0/\n/base64/\n' + 'a'.repeat(64),
    '/key/swarm/psk/2.0.0/\n/base16/\n' + 'a'.repeat(64),
    '/key/swarm/psk/1.0.0/\n/base16/\n' + 'g'.repeat(64)
  ])('refuses %j with a SWARM_KEY_INVALID error naming the file', bad => {
    expect(() => parseSwarmKey(text(bad), '/etc/swarm.key')).toThrow(expect.objectContaining({
      code: 'SWARM_KEY_INVALID',
      message: expect.stringContaining('/etc/swarm.key')
    }))
  })
})
