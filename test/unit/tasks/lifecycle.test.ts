import { describe, expect, it } from 'vitest'
import { IllegalTransitionError, backoffMs, newTask, nextDue, openReplicas, transition, type LifecycleSettings, type Task, type TaskEvent } from '../../../src/tasks/lifecycle.js'
import type { TaskSpec } from '../../../src/tasks/spec.js'

const T0 = 1_700_000_000_000
const settings: LifecycleSettings = { leaseTtlMs: 5000, attemptGraceMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000, random: () => 1 }
const spec = (over: Partial<TaskSpec> = {}): TaskSpec => ({ kind: 'echo', input: new Uint8Array([1]), redundancy: 1, timeoutMs: 60_000, maxAttempts: 3, priority: 0, deadline: T0 + 3_600_000, ...over })

/** Applies events in order, returning the last task and all effects. */
function run (task: Task, steps: Array<[TaskEvent, number]>): { task: Task, effects: ReturnType<typeof transition>['effects'] } {
  let current = task
  const effects: ReturnType<typeof transition>['effects'] = []
  for (const [event, at] of steps) {
    const out = transition(current, event, at, settings)
    current = out.task
    effects.push(...out.effects)
  }
  return { task: current, effects }
}

const claim = (worker = 'w1', replica = 0): TaskEvent => ({ type: 'claimed', worker, replica })
const ok = (epoch: number, worker = 'w1'): TaskEvent => ({ type: 'resultReceived', worker, replica: 0, epoch, outcome: 'succeeded', outputHash: 'abc' })
const fail = (epoch: number, worker = 'w1', outcome: 'failed' | 'failed_permanent' = 'failed'): TaskEvent => ({ type: 'resultReceived', worker, replica: 0, epoch, outcome, outputHash: '', error: 'exit 1' })

describe('task lifecycle reducer', () => {
  it('pending -> leased -> succeeded, granting epoch 1 with a TTL, acknowledging the result', () => {
    const { task, effects } = run(newTask('t', 'o', spec(), T0), [[claim(), T0 + 10], [{ type: 'renewed', worker: 'w1', replica: 0, epoch: 1, progress: 40 }, T0 + 2000], [ok(1), T0 + 3000]])
    expect(task.state).toBe('succeeded')
    expect(task.outputHash).toBe('abc')
    expect(effects).toEqual([
      { type: 'grant', worker: 'w1', replica: 0, epoch: 1, expiresAt: T0 + 10 + 5000 },
      { type: 'grant', worker: 'w1', replica: 0, epoch: 1, expiresAt: T0 + 2000 + 5000 },
      { type: 'ackResult', worker: 'w1', replica: 0, epoch: 1 },
      { type: 'finished', state: 'succeeded' }
    ])
    expect(task.history.map(h => h.state)).toEqual(['pending', 'leased', 'succeeded'])
    expect(task.history.every(h => h.reason.length > 0)).toBe(true)
  })

  it('expires an unrenewed lease, says so in the trail, and re-grants with a higher epoch', () => {
    let { task } = run(newTask('t', 'o', spec(), T0), [[claim('w1'), T0]])
    expect(nextDue(task)).toBe(T0 + 5000)
    expect(() => transition(task, { type: 'expired', replica: 0 }, T0 + 4999, settings)).toThrow(IllegalTransitionError)
    task = transition(task, { type: 'expired', replica: 0 }, T0 + 5000, settings).task
    expect(task.state).toBe('pending')
    expect(task.history.at(-1)?.reason).toMatch(/lease of replica 0 held by w1 \(epoch 1\) expired/)
    // No backoff after an expiry (a lost worker says nothing about the task): open again at once.
    expect(openReplicas(task, T0 + 5000)).toEqual([0])
    expect(task.history.at(-1)?.reason).toMatch(/retry 2 of 3 now$/)
    const regrant = transition(task, claim('w2'), T0 + 6000, settings)
    expect(regrant.effects[0]).toMatchObject({ type: 'grant', worker: 'w2', epoch: 2 })
    // The old holder's late result carries epoch 1: refused as stale.
    const late = transition(regrant.task, ok(1, 'w1'), T0 + 6500, settings)
    expect(late.effects).toEqual([{ type: 'refuse', worker: 'w1', replica: 0, epoch: 1, code: 'STALE_EPOCH', reason: expect.stringContaining('older') }])
    expect(late.task.state).toBe('leased')
  })

  it('refuses a renewal or result from a worker without the live lease', () => {
    const { task } = run(newTask('t', 'o', spec(), T0), [[claim('w1'), T0]])
    expect(transition(task, { type: 'renewed', worker: 'w2', replica: 0, epoch: 1, progress: 0 }, T0 + 1, settings).effects[0]).toMatchObject({ code: 'NOT_LEASED' })
    expect(transition(task, ok(1, 'w2'), T0 + 1, settings).effects[0]).toMatchObject({ code: 'NOT_LEASED' })
    expect(transition(task, claim('w2'), T0 + 1, settings).effects[0]).toMatchObject({ type: 'refuse', code: 'NOT_LEASED' })
  })

  it('retries failures with exponential backoff up to max attempts, then fails', () => {
    let task = newTask('t', 'o', spec({ maxAttempts: 3 }), T0)
    let now = T0
    const waits: number[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      const granted = transition(task, claim(), now, settings)
      expect(granted.effects[0]).toMatchObject({ type: 'grant', epoch: attempt })
      task = transition(granted.task, fail(attempt), now + 10, settings).task
      if (attempt < 3) {
        waits.push(task.replicas[0]!.notBefore - (now + 10))
        now = task.replicas[0]!.notBefore
      }
    }
    expect(waits).toEqual([1000, 2000])
    expect(task.state).toBe('failed')
    expect(task.error).toMatch(/no attempts left \(3 of 3\)/)
  })

  it('stops at once on a non-retryable failure', () => {
    const { task } = run(newTask('t', 'o', spec({ maxAttempts: 5 }), T0), [[claim(), T0], [fail(1, 'w1', 'failed_permanent'), T0 + 1]])
    expect(task.state).toBe('failed')
    expect(task.history.at(-1)?.reason).toMatch(/not retryable/)
  })

  it('computes the backoff schedule with jitter and a cap', () => {
    const at = (random: number): number[] => [1, 2, 3, 4, 5, 6, 7].map(n => backoffMs(n, { ...settings, random: () => random }))
    expect(at(1)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
    expect(at(0)).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000])
  })

  it('fails at the deadline, saying no capable peer when nobody ever claimed it', () => {
    const task = newTask('t', 'o', spec({ deadline: T0 + 100 }), T0)
    expect(nextDue(task)).toBe(T0 + 100)
    const { task: failed } = run(task, [[{ type: 'deadlinePassed' }, T0 + 100]])
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/no capable peer/)
  })

  it('cancels a leased task and tells the holder; a finished task cannot be cancelled', () => {
    const { task, effects } = run(newTask('t', 'o', spec(), T0), [[claim('w1'), T0], [{ type: 'cancelled', reason: 'by user' }, T0 + 1]])
    expect(task.state).toBe('cancelled')
    expect(effects).toContainEqual({ type: 'notifyCancel', worker: 'w1', replica: 0, epoch: 1, reason: 'by user' })
    expect(() => transition(task, { type: 'cancelled', reason: 'again' }, T0 + 2, settings)).toThrow(/cannot apply cancelled to a task that is cancelled/)
    expect(transition(task, claim('w2'), T0 + 2, settings).effects[0]).toMatchObject({ code: 'TASK_CLOSED' })
    expect(transition(task, ok(1), T0 + 2, settings).effects[0]).toMatchObject({ code: 'TASK_CLOSED' })
  })

  it('a release frees the replica without using up an attempt', () => {
    const { task } = run(newTask('t', 'o', spec({ maxAttempts: 1 }), T0), [[claim('w1'), T0], [{ type: 'released', worker: 'w1', replica: 0, epoch: 1, reason: 'draining' }, T0 + 1]])
    expect(task.state).toBe('pending')
    expect(task.replicas[0]).toMatchObject({ status: 'open', attempts: 0, epoch: 1 })
    expect(transition(task, claim('w2'), T0 + 2, settings).effects[0]).toMatchObject({ type: 'grant', epoch: 2 })
  })

  it('cancels a pending task; fails a leased one at its deadline, telling the holder', () => {
    const pending = run(newTask('t', 'o', spec(), T0), [[{ type: 'cancelled', reason: 'not needed' }, T0 + 1]])
    expect(pending.task.state).toBe('cancelled')
    expect(pending.effects).toEqual([{ type: 'finished', state: 'cancelled' }])
    const leased = run(newTask('t', 'o', spec({ deadline: T0 + 100 }), T0), [[claim('w1'), T0], [{ type: 'deadlinePassed' }, T0 + 100]])
    expect(leased.task.state).toBe('failed')
    expect(leased.task.error).toBe('deadline passed')
    expect(leased.effects).toContainEqual({ type: 'notifyCancel', worker: 'w1', replica: 0, epoch: 1, reason: 'deadline passed' })
  })

  it('at the deadline, says why the task still waited: the owner\'s reason, else the last word of its trail', () => {
    const told = run(newTask('t', 'o', spec({ deadline: T0 + 100 }), T0), [[{ type: 'deadlinePassed', waiting: 'waiting for 1 more distinct eligible peer(s); 0 available' }, T0 + 100]])
    expect(told.task.error).toBe('deadline passed: waiting for 1 more distinct eligible peer(s); 0 available')
    const noted = run(newTask('t', 'o', spec({ deadline: T0 + 100 }), T0), [[{ type: 'waiting', reason: 'no capable peer' }, T0 + 1], [{ type: 'deadlinePassed' }, T0 + 100]])
    expect(noted.task.error).toBe('deadline passed: no capable peer')
  })

  it('refuses a stale renewal or release as STALE_EPOCH, and refuses to expire or fail a finished task, naming its state', () => {
    let { task } = run(newTask('t', 'o', spec(), T0), [[claim('w1'), T0]])
    task = transition(task, { type: 'expired', replica: 0 }, T0 + 5000, settings).task
    task = transition(task, claim('w2'), T0 + 7000, settings).task
    for (const stale of [{ type: 'renewed', worker: 'w1', replica: 0, epoch: 1, progress: 5 }, { type: 'released', worker: 'w1', replica: 0, epoch: 1, reason: 'x' }] as TaskEvent[]) {
      const out = transition(task, stale, T0 + 7001, settings)
      expect(out.effects).toEqual([expect.objectContaining({ type: 'refuse', code: 'STALE_EPOCH' })])
      expect(out.task.replicas[0]?.lease).toMatchObject({ holder: 'w2', epoch: 2 })
    }
    const done = transition(task, ok(2, 'w2'), T0 + 7002, settings).task
    expect(() => transition(done, { type: 'expired', replica: 0 }, T0 + 99_999, settings)).toThrow('cannot apply expired to a task that is succeeded')
    expect(() => transition(done, { type: 'deadlinePassed' }, T0 + 99_999, settings)).toThrow('cannot apply deadlinePassed to a task that is succeeded')
  })

  it('notes once why a pending task waits', () => {
    const { task } = run(newTask('t', 'o', spec(), T0), [[{ type: 'waiting', reason: 'no capable peer' }, T0 + 1], [{ type: 'waiting', reason: 'no capable peer' }, T0 + 2]])
    expect(task.state).toBe('pending')
    expect(task.history.map(h => h.reason)).toEqual(['submitted', 'no capable peer'])
  })

  it('keeps how each attempt ended: result with exit code and stderr, expiry, release', () => {
    const { task } = run(newTask('t', 'o', spec({ maxAttempts: 5 }), T0), [
      [claim('w1'), T0],
      [{ type: 'resultReceived', worker: 'w1', replica: 0, epoch: 1, outcome: 'failed', outputHash: '', error: 'exited with code 3', exitCode: 3, stderrTail: 'boom' }, T0 + 1],
      [claim('w2'), T0 + 2000],
      [{ type: 'expired', replica: 0 }, T0 + 7000],
      [claim('w3'), T0 + 10_000],
      [{ type: 'released', worker: 'w3', replica: 0, epoch: 3, reason: 'worker stopping' }, T0 + 10_001]
    ])
    expect(task.attemptLog).toEqual([
      { at: T0 + 1, replica: 0, epoch: 1, worker: 'w1', outcome: 'failed', exitCode: 3, error: 'exited with code 3', stderrTail: 'boom' },
      { at: T0 + 7000, replica: 0, epoch: 2, worker: 'w2', outcome: 'expired', error: expect.stringContaining('expired') },
      { at: T0 + 10_001, replica: 0, epoch: 3, worker: 'w3', outcome: 'released', error: 'worker stopping' }
    ])
  })

  it('gives replicas to distinct peers', () => {
    const { task } = run(newTask('t', 'o', spec({ redundancy: 2 }), T0), [[claim('w1', 0), T0]])
    expect(transition(task, claim('w1', 1), T0, settings).effects[0]).toMatchObject({ type: 'refuse', code: 'NOT_ELIGIBLE' })
    expect(transition(task, claim('w2', 1), T0, settings).effects[0]).toMatchObject({ type: 'grant', replica: 1, epoch: 1 })
  })

  it('never lets an epoch go down', () => {
    let task = newTask('t', 'o', spec({ maxAttempts: 10 }), T0)
    let now = T0
    const epochs: number[] = []
    for (let i = 0; i < 6; i++) {
      const g = transition(task, claim(`w${i}`), now, settings)
      const grant = g.effects[0]
      if (grant?.type === 'grant') epochs.push(grant.epoch)
      now += 5000
      task = transition(g.task, { type: 'expired', replica: 0 }, now, settings).task
      now = task.replicas[0]!.notBefore
    }
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6])
  })
})

describe('verification: majority, spot checks, no majority', () => {
  const result = (worker: string, replica: number, hash: string, extra: Partial<TaskEvent & { type: 'resultReceived' }> = {}): TaskEvent =>
    ({ type: 'resultReceived', worker, replica, epoch: 1, outcome: 'succeeded', outputHash: hash, compare: true, ...extra })
  const judged = (effects: ReturnType<typeof transition>['effects']): Array<[string, string]> =>
    effects.flatMap(e => e.type === 'judged' ? [[e.worker, e.verdict] as [string, string]] : [])

  it('redundancy 3: accepts the majority output and judges each replica by it', () => {
    const { task, effects } = run(newTask('t', 'o', spec({ redundancy: 3 }), T0), [
      [claim('a', 0), T0], [claim('b', 1), T0], [claim('liar', 2), T0],
      [result('a', 0, 'good'), T0 + 1], [result('liar', 2, 'bad'), T0 + 2], [result('b', 1, 'good'), T0 + 3]
    ])
    expect(task.state).toBe('succeeded')
    expect(task.outputHash).toBe('good')
    expect(judged(effects)).toEqual([['a', 'agreed'], ['b', 'agreed'], ['liar', 'misreport']])
    expect(task.replicas.map(r => r.verdict)).toEqual(['agreed', 'agreed', 'misreport'])
    expect(task.history.at(-1)?.reason).toContain('2 of 3 results agree; misreported by liar')
  })

  it('no majority: adds replicas up to redundancy + 2 (at least 5), then fails saying so', () => {
    const start = run(newTask('t', 'o', spec({ redundancy: 3 }), T0), [
      [claim('a', 0), T0], [claim('b', 1), T0], [claim('c', 2), T0],
      [result('a', 0, 'x'), T0], [result('b', 1, 'y'), T0], [result('c', 2, 'z'), T0]
    ])
    expect(start.task.state).toBe('verifying')
    expect(start.task.replicas).toHaveLength(4)
    expect(openReplicas(start.task, T0)).toEqual([3])
    expect(judged(start.effects)).toEqual([])
    const more = run(start.task, [[claim('d', 3), T0], [result('d', 3, 'x'), T0]])
    expect(more.task.replicas).toHaveLength(5)
    const end = run(more.task, [[claim('e', 4), T0], [result('e', 4, 'w'), T0]])
    expect(end.task.state).toBe('failed')
    expect(end.task.error).toBe('no majority among 5 results (2/1/1/1); 5 is the most replicas this task gets')
  })

  it('a spot check re-runs a lone result on another peer; agreement accepts it and verifies both', () => {
    const first = run(newTask('t', 'o', spec(), T0), [[claim('w', 0), T0], [result('w', 0, 'h', { spotCheck: true }), T0 + 1]])
    expect(first.task.state).toBe('verifying')
    expect(first.task.replicas[1]).toMatchObject({ index: 1, status: 'open', verification: true })
    // The checker must be another peer.
    expect(run(first.task, [[claim('w', 1), T0 + 2]]).effects[0]).toMatchObject({ type: 'refuse', code: 'NOT_ELIGIBLE' })
    const checked = run(first.task, [[claim('checker', 1), T0 + 2], [result('checker', 1, 'h'), T0 + 3]])
    expect(checked.task.state).toBe('succeeded')
    expect(judged(checked.effects)).toEqual([['w', 'agreed'], ['checker', 'agreed']])
  })

  it('a spot check that disagrees is settled by a third run', () => {
    const { task, effects } = run(newTask('t', 'o', spec(), T0), [
      [claim('liar', 0), T0], [result('liar', 0, 'bad', { spotCheck: true }), T0],
      [claim('c1', 1), T0], [result('c1', 1, 'good'), T0],
      [claim('c2', 2), T0], [result('c2', 2, 'good'), T0]
    ])
    expect(task.state).toBe('succeeded')
    expect(task.outputHash).toBe('good')
    expect(judged(effects)).toEqual([['liar', 'misreport'], ['c1', 'agreed'], ['c2', 'agreed']])
  })

  it('a spot check never sinks a task: a deadline, a checker running out of attempts, or nobody to check accept the lone result unverified; a checker failing for good is one vote, and a third replica decides', () => {
    const checking = run(newTask('t', 'o', spec({ maxAttempts: 2 }), T0), [[claim('w', 0), T0], [result('w', 0, 'h', { spotCheck: true }), T0], [claim('c', 1), T0]])
    expect(checking.task.state).toBe('verifying')
    const deadline = run(checking.task, [[{ type: 'deadlinePassed' }, T0 + 3_600_000]])
    expect(deadline.task).toMatchObject({ state: 'succeeded', outputHash: 'h' })
    expect(deadline.task.replicas).toHaveLength(1)
    expect(deadline.effects).toContainEqual({ type: 'notifyCancel', worker: 'c', replica: 1, epoch: 1, reason: 'deadline passed' })
    expect(deadline.task.history.at(-1)?.reason).toContain('accepted unverified')

    const permanent = run(checking.task, [[{ type: 'resultReceived', worker: 'c', replica: 1, epoch: 1, outcome: 'failed_permanent', outputHash: 'e', error: 'exit 2', compare: true }, T0 + 1]])
    expect(permanent.task.state).toBe('verifying')
    expect(permanent.task.replicas).toHaveLength(3)
    expect(permanent.task.replicas[1]).toMatchObject({ status: 'done', failed: true, error: 'exit 2' })
    const exhausted = run(checking.task, [
      [{ type: 'resultReceived', worker: 'c', replica: 1, epoch: 1, outcome: 'failed', outputHash: '', error: 'crash' }, T0 + 1],
      [claim('d', 1), T0 + 5000],
      [{ type: 'resultReceived', worker: 'd', replica: 1, epoch: 2, outcome: 'failed', outputHash: '', error: 'crash' }, T0 + 5001]
    ])
    expect(exhausted.task).toMatchObject({ state: 'succeeded', outputHash: 'h' })

    const abandoned = run(first(), [[{ type: 'checkAbandoned', reason: 'nobody else' }, T0 + 1]])
    expect(abandoned.task).toMatchObject({ state: 'succeeded', outputHash: 'h' })
    function first (): Task {
      return run(newTask('t', 'o', spec(), T0), [[claim('w', 0), T0], [result('w', 0, 'h', { spotCheck: true }), T0]]).task
    }
  })

  it('a permanent failure is a vote: at redundancy 2 a tie adds a replica, and the majority decides either way, judging the minority', () => {
    const failedFor = (worker: string, replica: number, epoch = 1): TaskEvent => ({ type: 'resultReceived', worker, replica, epoch, outcome: 'failed_permanent', outputHash: 'empty', error: 'cannot run', compare: true })
    const tie = run(newTask('t', 'o', spec({ redundancy: 2 }), T0), [[claim('liar', 0), T0], [claim('b', 1), T0], [failedFor('liar', 0), T0], [result('b', 1, 'h'), T0]])
    expect(tie.task.state).toBe('verifying')
    expect(tie.task.history.at(-1)?.reason).toContain('no majority among 2 results (1/1)')
    const outvoted = run(tie.task, [[claim('c', 2), T0 + 1], [result('c', 2, 'h'), T0 + 2]])
    expect(outvoted.task).toMatchObject({ state: 'succeeded', outputHash: 'h' })
    expect(judged(outvoted.effects)).toEqual([['liar', 'misreport'], ['b', 'agreed'], ['c', 'agreed']])

    const failing = run(tie.task, [[claim('c', 2), T0 + 1], [failedFor('c', 2), T0 + 2]])
    expect(failing.task).toMatchObject({ state: 'failed', error: 'cannot run' })
    expect(failing.task.history.at(-1)?.reason).toContain('2 of 3 results agree that it fails')
    expect(judged(failing.effects)).toEqual([['liar', 'agreed'], ['b', 'misreport'], ['c', 'agreed']])
  })

  it('a lone permanent failure fails the task at once unless it is spot-checked; a spot check that agrees fails it', () => {
    const lone = run(newTask('t', 'o', spec(), T0), [[claim('w', 0), T0], [fail(1, 'w', 'failed_permanent'), T0]])
    expect(lone.task).toMatchObject({ state: 'failed', error: 'exit 1' })
    const checked = run(newTask('t', 'o', spec(), T0), [
      [claim('w', 0), T0],
      [{ type: 'resultReceived', worker: 'w', replica: 0, epoch: 1, outcome: 'failed_permanent', outputHash: 'empty', error: 'bad input', compare: true, spotCheck: true }, T0]
    ])
    expect(checked.task.state).toBe('verifying')
    const agreed = run(checked.task, [[claim('c', 1), T0], [{ type: 'resultReceived', worker: 'c', replica: 1, epoch: 1, outcome: 'failed_permanent', outputHash: 'empty', error: 'bad input', compare: true }, T0]])
    expect(agreed.task).toMatchObject({ state: 'failed', error: 'bad input' })
    expect(judged(agreed.effects)).toEqual([['w', 'agreed'], ['c', 'agreed']])
    const unchecked = run(checked.task, [[{ type: 'checkAbandoned', reason: 'nobody else' }, T0 + 1]])
    expect(unchecked.task).toMatchObject({ state: 'failed', error: 'bad input' })
  })

  it('of kinds that are not comparable, any success stands over a replica that failed for good; all failing fails the task', () => {
    const failedFor = (worker: string, replica: number): TaskEvent => ({ type: 'resultReceived', worker, replica, epoch: 1, outcome: 'failed_permanent', outputHash: 'empty', error: 'no', compare: false })
    const mixed = run(newTask('t', 'o', spec({ redundancy: 2 }), T0), [[claim('a', 0), T0], [claim('b', 1), T0], [failedFor('a', 0), T0], [result('b', 1, 'y', { compare: false }), T0]])
    expect(mixed.task).toMatchObject({ state: 'succeeded', outputHash: 'y' })
    expect(judged(mixed.effects)).toEqual([])
    const both = run(newTask('t', 'o', spec({ redundancy: 2 }), T0), [[claim('a', 0), T0], [claim('b', 1), T0], [failedFor('a', 0), T0], [failedFor('b', 1), T0]])
    expect(both.task).toMatchObject({ state: 'failed', error: 'no' })
  })

  it('renewals keep a lease alive only until the task timeout plus the attempt grace; then it ends, the holder is told, and the replica is offered again', () => {
    const granted = run(newTask('t', 'o', spec({ timeoutMs: 2000 }), T0), [[claim('w', 0), T0]])
    expect(granted.task.replicas[0]?.lease).toEqual({ holder: 'w', epoch: 1, expiresAt: T0 + 5000, endsBy: T0 + 12_000 })
    const renewed = run(granted.task, [[{ type: 'renewed', worker: 'w', replica: 0, epoch: 1, progress: 1 }, T0 + 9000]])
    expect(renewed.task.replicas[0]?.lease?.expiresAt).toBe(T0 + 12_000)
    expect(nextDue(renewed.task)).toBe(T0 + 12_000)
    const ended = run(renewed.task, [[{ type: 'expired', replica: 0 }, T0 + 12_000]])
    expect(ended.task.replicas[0]).toMatchObject({ status: 'open', attempts: 1 })
    expect(ended.task.history.at(-1)?.reason).toContain('ran past the task timeout of 2000 ms plus 10000 ms')
    expect(ended.effects).toContainEqual(expect.objectContaining({ type: 'notifyCancel', worker: 'w', replica: 0, epoch: 1 }))
  })

  it('a lone result without a spot check is accepted unverified; outputs of kinds that are not comparable judge nobody', () => {
    const lone = run(newTask('t', 'o', spec(), T0), [[claim('w', 0), T0], [result('w', 0, 'h'), T0]])
    expect(lone.task.state).toBe('succeeded')
    expect(judged(lone.effects)).toEqual([])
    const nondeterministic = run(newTask('t', 'o', spec({ redundancy: 2 }), T0), [
      [claim('a', 0), T0], [claim('b', 1), T0], [result('a', 0, 'x', { compare: false }), T0], [result('b', 1, 'y', { compare: false }), T0]
    ])
    expect(nondeterministic.task.state).toBe('succeeded')
    expect(judged(nondeterministic.effects)).toEqual([])
    expect(nondeterministic.task.replicas.map(r => r.verdict)).toEqual([undefined, undefined])
  })
})
