import { describe, expect, it } from 'vitest'
import { Reputation } from '../../../src/reputation/reputation.js'
import { ManualClock } from '../../helpers/manual-clock.js'

describe('Reputation bounds', () => {
  it('hearsay has a bound of its own: verdicts about 500 unknown peers never evict a first-hand record', () => {
    const reputation = new Reputation({ clock: new ManualClock(), maxRecords: 20, maxHearsayRecords: 50 })
    for (let i = 0; i < 20; i++) reputation.report(`worker${i}`, 'verified_success', '')
    for (let i = 0; i < 500; i++) reputation.reportVerdict(`subject${i}`, 'misreport', `reporter${i % 7}`, '')
    const peers = reputation.list().map(p => p.peerId)
    for (let i = 0; i < 20; i++) expect(peers).toContain(`worker${i}`)
    expect(peers.filter(p => p.startsWith('subject')).length).toBeLessThanOrEqual(50)
    expect(peers.length).toBeLessThanOrEqual(70)
    // A first-hand event moves a hearsay record into the first-hand bound, where it is a record like the others.
    const kept = peers.find(p => p.startsWith('subject')) as string
    reputation.report(kept, 'task_failure', '')
    for (let i = 0; i < 500; i++) reputation.reportVerdict(`later${i}`, 'misreport', 'reporter', '')
    expect(reputation.get(kept).counts.task_failure).toBe(1)
  })

  it('a full first-hand table drops peers that only sent messages before peers that did work, whatever their scores', () => {
    const reputation = new Reputation({ clock: new ManualClock(), maxRecords: 32 })
    for (let i = 0; i < 16; i++) reputation.report(`worker${i}`, 'verified_success', '')
    // Strangers charged for bad messages: larger scores than the workers', but no work.
    for (let i = 0; i < 1000; i++) reputation.report(`stranger${i}`, 'false_verdict', '')
    const peers = reputation.list().map(p => p.peerId)
    for (let i = 0; i < 16; i++) expect(peers).toContain(`worker${i}`)
    expect(peers.length).toBeLessThanOrEqual(32)
  })

  it('evicts in batches: 100,000 strangers through a table of 10,000 take a bounded number of evictions, not one scan per insert', () => {
    const reputation = new Reputation({ clock: new ManualClock(), maxRecords: 10_000 })
    const sort = Array.prototype.sort
    let sorts = 0
    Array.prototype.sort = function (this: unknown[], ...args) { sorts++; return sort.apply(this, args as [never]) } as typeof sort
    try {
      for (let i = 0; i < 100_000; i++) reputation.report(`stranger${i}`, 'invalid_message', '')
    } finally {
      Array.prototype.sort = sort
    }
    expect(reputation.list().length).toBeLessThanOrEqual(10_000)
    // One sort per 10,000 / 32 inserts past the bound: about 290, far from one per insert.
    expect(sorts).toBeLessThan(400)
  })
})
