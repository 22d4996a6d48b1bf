import { describe, expect, it } from 'vitest'
import { CommitWindow, LAZY_COMMIT_MS, type WindowStore } from '../../../src/tasks/commit-window.js'
import type { LeaseMessage } from '../../../src/gossip/wire/mesh.js'

/** A store whose WAL flush the test ends by hand; it records what happened in order. */
function fakeStore (): WindowStore & { log: string[], flushing: boolean, endFlush: () => void } {
  let idle: Array<() => void> = []
  let durableWaiters: Array<() => void> = []
  const store = {
    log: [] as string[],
    flushing: false,
    begin: () => { store.log.push('begin') },
    commit: () => { store.log.push('commit') },
    rollback: () => { store.log.push('rollback') },
    durable: async () => { await new Promise<void>(resolve => { durableWaiters.push(resolve) }) },
    afterFlush: (fn: () => void): boolean => {
      if (!store.flushing) return false
      idle.push(fn)
      return true
    },
    endFlush: () => {
      store.flushing = false
      const fns = idle
      idle = []
      for (const fn of fns) fn()
    },
    settleDurable: () => {
      const waiters = durableWaiters
      durableWaiters = []
      for (const w of waiters) w()
    }
  }
  return store
}

const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
const ack = (n: number): LeaseMessage => ({ ack: { task: { owner: new Uint8Array(), taskId: new Uint8Array([n]), replica: 0, epoch: 1 } } })

describe('CommitWindow', () => {
  it('commits a lone write at the next turn when no flush is under way', async () => {
    const store = fakeStore()
    const window = new CommitWindow(store, async () => {}, err => { throw err })
    window.write(() => { store.log.push('write') })
    await turn()
    expect(store.log).toEqual(['begin', 'write', 'commit'])
  })

  it('by default sends the messages of a window right after its commit, without waiting for the device or a flush under way', async () => {
    const store = fakeStore()
    const sent: LeaseMessage[] = []
    const window = new CommitWindow(store, async (_peer, messages) => { sent.push(...messages) }, err => { throw err })
    store.flushing = true
    window.write(() => { store.log.push('write') })
    window.send('peer', [ack(7)])
    expect(sent).toEqual([])
    await turn()
    expect(store.log).toEqual(['begin', 'write', 'commit'])
    await turn()
    expect(sent.map(m => m.ack?.task?.taskId[0])).toEqual([7])
  })

  it('with waitForDevice, holds the writes of several turns while a flush runs and commits them once when it ends; their messages go only after that commit is durable', async () => {
    const store = fakeStore()
    const sent: LeaseMessage[] = []
    const window = new CommitWindow(store, async (_peer, messages) => { sent.push(...messages) }, err => { throw err }, { waitForDevice: true })
    store.flushing = true
    for (let i = 0; i < 3; i++) {
      window.write(() => { store.log.push(`write ${i}`) })
      window.send('peer', [ack(i)])
      await turn()
    }
    // Three turns, no commit yet: the flush under way has not ended.
    expect(store.log).toEqual(['begin', 'write 0', 'write 1', 'write 2'])
    expect(sent).toEqual([])
    store.endFlush()
    expect(store.log).toEqual(['begin', 'write 0', 'write 1', 'write 2', 'commit'])
    expect(window.commits).toBe(1)
    // Not yet durable: nothing said.
    await turn()
    expect(sent).toEqual([])
    ;(store as unknown as { settleDurable: () => void }).settleDurable()
    await turn()
    expect(sent.map(m => m.ack?.task?.taskId[0])).toEqual([0, 1, 2])
  })

  it('commits at once on flush() even while a flush runs, and the held close then does nothing more', async () => {
    const store = fakeStore()
    const window = new CommitWindow(store, async () => {}, err => { throw err }, { waitForDevice: true })
    store.flushing = true
    window.write(() => { store.log.push('write') })
    await turn()
    window.flush()
    expect(store.log).toEqual(['begin', 'write', 'commit'])
    store.endFlush()
    await turn()
    expect(store.log).toEqual(['begin', 'write', 'commit'])
    expect(window.commits).toBe(1)
  })

  it('rolls back a held window whose write fails, and the next write opens a new one', async () => {
    const store = fakeStore()
    const window = new CommitWindow(store, async () => {}, err => { throw err }, { waitForDevice: true })
    store.flushing = true
    window.write(() => { store.log.push('write') })
    await turn()
    expect(() => window.write(() => { throw new Error('disk full') })).toThrow('disk full')
    expect(store.log).toEqual(['begin', 'write', 'rollback'])
    store.endFlush()
    window.write(() => { store.log.push('again') })
    await turn()
    expect(store.log).toEqual(['begin', 'write', 'rollback', 'begin', 'again', 'commit'])
  })

  it('runs a deferred write when the window commits, and never one withdrawn before', async () => {
    const store = fakeStore()
    const window = new CommitWindow(store, async () => {}, err => { throw err })
    window.defer('kept a', () => { store.log.push('insert a') })
    window.defer('kept b', () => { store.log.push('insert b') })
    expect(window.withdraw('kept a')).toBe(true)
    expect(window.withdraw('kept a')).toBe(false)
    // Deferred writes are lazy: an eager write's commit takes them along.
    window.write(() => { store.log.push('grant') })
    await turn()
    expect(store.log).toEqual(['begin', 'grant', 'insert b', 'commit'])
    expect(window.withdraw('kept b')).toBe(false)
  })

  it('commits deferred writes alone within the lazy window', async () => {
    const store = fakeStore()
    const window = new CommitWindow(store, async () => {}, err => { throw err })
    window.defer('kept', () => { store.log.push('insert') })
    await turn()
    expect(store.log).toEqual([])
    await new Promise(resolve => setTimeout(resolve, LAZY_COMMIT_MS + 20))
    expect(store.log).toEqual(['begin', 'insert', 'commit'])
  })
})
