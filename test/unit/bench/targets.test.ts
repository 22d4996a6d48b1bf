import { describe, expect, it } from 'vitest'
import { judgeTargets, MUST_REACH } from '../../../src/bench/targets.js'

describe('judgeTargets', () => {
  const targets = [{ figure: 'a.max', max: 2 }, { figure: 'a.min', min: 0.9 }, { figure: 'b.samples', min: 500, fullRunOnly: true }]
  it.each([
    { name: 'within both bounds', figures: { a: { max: 2, min: 0.9 }, b: { samples: 500 } }, quick: false, pass: [true, true, true] },
    { name: 'outside both bounds', figures: { a: { max: 2.01, min: 0.89 }, b: { samples: 499 } }, quick: false, pass: [false, false, false] },
    { name: 'a sample count in --quick is reported, not judged', figures: { a: { max: 1, min: 1 }, b: { samples: 100 } }, quick: true, pass: [true, true, null] },
    { name: 'figures not measured', figures: { a: { max: null }, b: {} }, quick: false, pass: [null, null, null] }
  ])('$name', ({ figures, quick, pass }) => {
    const judged = judgeTargets(figures, quick, targets)
    expect(targets.map(t => judged[t.figure]?.pass)).toEqual(pass)
  })

  it('states the figure, its bound and the verdict', () => {
    expect(judgeTargets({ a: { max: 3 } }, false, targets)['a.max']).toEqual({ value: 3, max: 2, pass: false })
    expect(judgeTargets({}, true, targets)['b.samples']).toEqual({ value: null, min: 500, pass: null, note: 'not measured' })
  })

  it('judges every must-reach figure of the issue', () => {
    expect(Object.keys(judgeTargets({}, false))).toEqual(MUST_REACH.map(t => t.figure))
    expect(MUST_REACH).toHaveLength(22)
  })
})
