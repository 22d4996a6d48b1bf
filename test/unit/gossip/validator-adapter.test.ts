import { describe, expect, it } from 'vitest'
import { chargedFor } from '../../../src/gossip/validator-adapter.js'
import { SIGNER_FAULTS, VIOLATIONS, type ViolationCode } from '../../../src/gossip/validation.js'

describe('who a rejection is charged to', () => {
  const rejected = (Object.keys(VIOLATIONS) as ViolationCode[]).filter(code => VIOLATIONS[code] === 'reject')

  it.each(rejected)('%s: the deliverer always; the signer of a relayed message only for what only it could have written', code => {
    expect(chargedFor(code, { deliverer: 'd' })).toEqual(['d'])
    expect(chargedFor(code, { deliverer: 'd', signer: 'd' })).toEqual(['d'])
    expect(chargedFor(code, { deliverer: 'd', signer: 's' })).toEqual(SIGNER_FAULTS.has(code) ? ['d', 's'] : ['d'])
  })

  it('never charges the author for what a deliverer can make of its honest messages', () => {
    for (const code of ['stale_timestamp', 'rate_limited', 'unsigned'] as const) expect(SIGNER_FAULTS.has(code)).toBe(false)
  })
})
