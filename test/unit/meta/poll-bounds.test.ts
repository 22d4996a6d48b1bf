// Issue 15, "Green every time": no `expect.poll` may outlast the test (or hook) it runs in. A poll
// whose timeout is at or past its test's own timeout never gets to report what it was waiting
// for: the test dies first with a bare "Test timed out", or, worse, the poll is still running
// when the next test starts. This reads every test file with the TypeScript parser (no regexes)
// and checks each poll's timeout against the timeout of every test or hook that can run it.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')

// vitest's own defaults, used where vitest.config.ts leaves a value unset.
const VITEST_DEFAULTS = { testTimeout: 5_000, hookTimeout: 10_000, pollTimeout: 1_000 }

type Defaults = typeof VITEST_DEFAULTS

const TEST_ROOTS = new Set(['it', 'test'])
const SUITE_ROOTS = new Set(['describe', 'suite'])
const HOOKS = new Set(['beforeAll', 'beforeEach', 'afterAll', 'afterEach'])
// `it.each(table)`, `describe.skipIf(cond)`...: calls that return the function that registers.
const MODIFIER_CALLS = new Set(['each', 'for', 'skipIf', 'runIf'])
// `it.concurrent`, `describe.skip`...: properties that still register when called.
const MODIFIER_PROPS = new Set(['skip', 'only', 'todo', 'concurrent', 'sequential', 'shuffle', 'fails'])

/** A test or hook: what runs `roots`, and how long vitest gives it. */
interface Context {
  kind: 'test' | 'hook'
  label: string
  line: number
  /** ms; undefined when the timeout could not be evaluated (reported separately). */
  timeout: number | undefined
  roots: ts.Node[]
}

interface Poll { node: ts.CallExpression, line: number, timeout: number | undefined, why?: string }

interface Analysis {
  file: string
  tests: number
  hooks: number
  polls: number
  problems: string[]
  /** Polls in the file that no test or hook reaches (nothing to check them against). */
  unreached: string[]
}

type Value = { ok: true, value: number } | { ok: false, why: string }

const lineOf = (sf: ts.SourceFile, node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1

const skipParens = (node: ts.Expression): ts.Expression => {
  let e = node
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e)) e = e.expression
  return e
}

const isFunction = (node: ts.Node | undefined): node is ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration =>
  node != null && (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node))

/** The declaration `name` refers to at `from`, by lexical scope, within this file: a function or a const. */
function declarationOf (name: string, from: ts.Node): ts.FunctionDeclaration | ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = from.parent; scope != null; scope = scope.parent) {
    // A parameter of that name hides anything outside: its value is not known here.
    if (ts.isFunctionLike(scope) && scope.parameters.some(p => ts.isIdentifier(p.name) && p.name.text === name)) return undefined
    let statements: readonly ts.Statement[] | undefined
    if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) statements = scope.statements
    if (statements == null) continue
    for (const statement of statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name?.text === name && statement.body != null) return statement
      if (ts.isVariableStatement(statement)) {
        for (const decl of statement.declarationList.declarations) {
          if (ts.isIdentifier(decl.name) && decl.name.text === name) return decl
        }
      }
    }
  }
  return undefined
}

const isConst = (decl: ts.VariableDeclaration): boolean => (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) !== 0

/** Simple arithmetic on numeric literals and same-file `const NAME = ...`; anything else is "unknown". */
function evaluate (node: ts.Expression, seen = new Set<ts.Node>()): Value {
  const e = skipParens(node)
  if (ts.isNumericLiteral(e)) {
    const value = Number(e.text.replace(/_/g, ''))
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, why: `'${e.getText()}' is not a number` }
  }
  if (ts.isPrefixUnaryExpression(e) && (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken)) {
    const v = evaluate(e.operand, seen)
    return v.ok && e.operator === ts.SyntaxKind.MinusToken ? { ok: true, value: -v.value } : v
  }
  if (ts.isBinaryExpression(e)) {
    const l = evaluate(e.left, seen)
    if (!l.ok) return l
    const r = evaluate(e.right, seen)
    if (!r.ok) return r
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken: return { ok: true, value: l.value + r.value }
      case ts.SyntaxKind.MinusToken: return { ok: true, value: l.value - r.value }
      case ts.SyntaxKind.AsteriskToken: return { ok: true, value: l.value * r.value }
      case ts.SyntaxKind.SlashToken: return { ok: true, value: l.value / r.value }
      case ts.SyntaxKind.PercentToken: return { ok: true, value: l.value % r.value }
      case ts.SyntaxKind.AsteriskAsteriskToken: return { ok: true, value: l.value ** r.value }
    }
    return { ok: false, why: `operator '${e.operatorToken.getText()}' in '${e.getText()}'` }
  }
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e.text, e)
    if (decl == null || !ts.isVariableDeclaration(decl)) return { ok: false, why: `'${e.text}' is not a constant declared in this file` }
    if (!isConst(decl) || decl.initializer == null) return { ok: false, why: `'${e.text}' is not a const with an initializer` }
    if (seen.has(decl)) return { ok: false, why: `'${e.text}' refers to itself` }
    seen.add(decl)
    return evaluate(decl.initializer, seen)
  }
  return { ok: false, why: `'${e.getText()}' is not a literal, arithmetic or same-file constant` }
}

/** An object literal given directly, or through a same-file `const NAME = { ... }`. */
function objectLiteralOf (node: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const e = skipParens(node)
  if (ts.isObjectLiteralExpression(e)) return e
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e.text, e)
    if (decl != null && ts.isVariableDeclaration(decl) && isConst(decl) && decl.initializer != null) {
      const init = skipParens(decl.initializer)
      if (ts.isObjectLiteralExpression(init)) return init
    }
  }
  return undefined
}

/** The `timeout` of an options object: undefined when it has none, a failure when it cannot be told. */
function timeoutOption (options: ts.Expression): Value | undefined {
  const object = objectLiteralOf(options)
  if (object == null) return { ok: false, why: `options '${options.getText()}' are not an object literal` }
  let result: Value | undefined
  let spread = false
  for (const prop of object.properties) {
    if (ts.isSpreadAssignment(prop)) { spread = true; result = undefined; continue }
    const name = prop.name != null && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) ? prop.name.text : undefined
    if (name !== 'timeout') continue
    if (ts.isPropertyAssignment(prop)) result = evaluate(prop.initializer)
    else if (ts.isShorthandPropertyAssignment(prop)) result = evaluate(prop.name)
    else result = { ok: false, why: `'${prop.getText()}' is not a plain property` }
    spread = false
  }
  if (result == null && spread) return { ok: false, why: `options '${object.getText()}' spread another object and set no timeout of their own` }
  return result
}

/** `expect.poll(...)`. */
const isPoll = (node: ts.Node): node is ts.CallExpression =>
  ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) &&
  ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'expect' && node.expression.name.text === 'poll'

/**
 * What a call registers, judged by its callee: `it(...)`, `it.skip(...)`, `it.each(t)(...)`,
 * `describe.skipIf(c)(...)`, `` it.each`...`(...) ``. `it.each(t)` itself registers nothing.
 */
function registers (call: ts.CallExpression): 'test' | 'suite' | undefined {
  let e: ts.Expression = call.expression
  for (;;) {
    if (ts.isIdentifier(e)) return TEST_ROOTS.has(e.text) ? 'test' : SUITE_ROOTS.has(e.text) ? 'suite' : undefined
    if (ts.isPropertyAccessExpression(e) && MODIFIER_PROPS.has(e.name.text)) { e = e.expression; continue }
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && MODIFIER_CALLS.has(e.expression.name.text)) { e = e.expression.expression; continue }
    if (ts.isTaggedTemplateExpression(e) && ts.isPropertyAccessExpression(e.tag) && MODIFIER_CALLS.has(e.tag.name.text)) { e = e.tag.expression; continue }
    return undefined
  }
}

/** vitest 4's `(name, fn, timeout?)` or `(name, options, fn)`. */
function parseRegistration (call: ts.CallExpression): { fn?: ts.Expression, timeout?: Value } {
  const [, second, third] = call.arguments
  if (second == null) return {}
  if (third != null && objectLiteralOf(third) != null) {
    return { fn: second, timeout: { ok: false, why: 'options as the third argument (removed in vitest 4: pass them second)' } }
  }
  if (objectLiteralOf(second) != null) return { fn: third, timeout: timeoutOption(second) }
  return { fn: second, timeout: third == null ? undefined : evaluate(third) }
}

/** The function a test's or hook's function argument is: inline, or a same-file function named there. */
function functionOf (fn: ts.Expression | undefined): ts.Node | undefined {
  if (fn == null) return undefined
  const e = skipParens(fn)
  if (isFunction(e)) return e
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e.text, e)
    if (decl != null && ts.isFunctionDeclaration(decl)) return decl
    if (decl?.initializer != null && isFunction(skipParens(decl.initializer))) return skipParens(decl.initializer)
  }
  return e
}

/**
 * Every poll that running `roots` can reach without leaving the file: inside them, inside the
 * functions defined there, and inside same-file functions they name (helpers declared at the top
 * of the file or of a describe), transitively.
 */
function reachablePolls (roots: ts.Node[]): Set<ts.CallExpression> {
  const polls = new Set<ts.CallExpression>()
  const visited = new Set<ts.Node>()
  const queue = [...roots]
  const isReference = (id: ts.Identifier): boolean => {
    const p = id.parent
    if ((ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id)) return false
    if ((ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && p.name === id) return false
    return true
  }
  const walk = (node: ts.Node): void => {
    if (isPoll(node)) polls.add(node)
    if (ts.isIdentifier(node) && isReference(node)) {
      const decl = declarationOf(node.text, node)
      const target = decl == null ? undefined : ts.isFunctionDeclaration(decl) ? decl : decl.initializer != null ? skipParens(decl.initializer) : undefined
      if (target != null && isFunction(target) && !visited.has(target)) queue.push(target)
    }
    ts.forEachChild(node, walk)
  }
  for (let root = queue.shift(); root != null; root = queue.shift()) {
    if (visited.has(root)) continue
    visited.add(root)
    walk(root)
  }
  return polls
}

function analyse (file: string, text: string, defaults: Defaults): Analysis {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const contexts: Context[] = []
  const problems: string[] = []
  const at = (node: ts.Node): string => `${file}:${lineOf(sf, node)}`

  // Suites pass their timeout on to the tests and suites inside them (hooks keep hookTimeout).
  const visit = (node: ts.Node, suiteTimeout: number | undefined): void => {
    if (ts.isCallExpression(node)) {
      const kind = registers(node)
      if (kind != null) {
        const { fn, timeout } = parseRegistration(node)
        if (timeout != null && !timeout.ok) problems.push(`${at(node)}: cannot tell the ${kind}'s timeout statically (${timeout.why}); make it a literal or a same-file constant`)
        const own = timeout?.ok === true ? timeout.value : undefined
        const label = node.arguments[0] != null && ts.isStringLiteralLike(node.arguments[0]) ? node.arguments[0].text : node.arguments[0]?.getText() ?? ''
        if (kind === 'suite') {
          for (const arg of node.arguments) visit(arg, own ?? suiteTimeout)
          return
        }
        const body = functionOf(fn)
        contexts.push({
          kind: 'test',
          label,
          line: lineOf(sf, node),
          timeout: timeout != null && !timeout.ok ? undefined : own ?? suiteTimeout ?? defaults.testTimeout,
          roots: body == null ? [] : [body]
        })
        return
      }
      if (ts.isIdentifier(node.expression) && HOOKS.has(node.expression.text)) {
        const [fn, limit] = node.arguments
        const timeout = limit == null ? { ok: true as const, value: defaults.hookTimeout } : evaluate(limit)
        if (!timeout.ok) problems.push(`${at(node)}: cannot tell the ${node.expression.text} hook's timeout statically (${timeout.why}); make it a literal or a same-file constant`)
        const body = functionOf(fn)
        contexts.push({
          kind: 'hook',
          label: node.expression.text,
          line: lineOf(sf, node),
          timeout: timeout.ok ? timeout.value : undefined,
          roots: body == null ? [] : [body]
        })
        return
      }
    }
    ts.forEachChild(node, child => { visit(child, suiteTimeout) })
  }
  visit(sf, undefined)

  const all: ts.CallExpression[] = []
  const collect = (node: ts.Node): void => { if (isPoll(node)) all.push(node); ts.forEachChild(node, collect) }
  collect(sf)

  const polls = new Map<ts.CallExpression, Poll>()
  for (const node of all) {
    const options = node.arguments[1]
    const value = options == null ? undefined : timeoutOption(options)
    const poll: Poll = { node, line: lineOf(sf, node), timeout: value == null ? defaults.pollTimeout : value.ok ? value.value : undefined }
    if (value != null && !value.ok) {
      poll.why = value.why
      problems.push(`${at(node)}: cannot tell the expect.poll timeout statically (${value.why}); make it a literal or a same-file constant`)
    }
    polls.set(node, poll)
  }

  const reached = new Set<ts.CallExpression>()
  for (const context of contexts) {
    for (const node of reachablePolls(context.roots)) {
      reached.add(node)
      const poll = polls.get(node) as Poll
      if (poll.timeout == null || context.timeout == null || context.timeout <= 0) continue
      if (poll.timeout >= context.timeout) {
        const owner = context.kind === 'test' ? `test '${context.label}'` : `${context.label} hook`
        problems.push(`${file}:${poll.line}: expect.poll timeout ${poll.timeout} ms is not below the timeout ${context.timeout} ms of its ${owner} (${file}:${context.line})`)
      }
    }
  }
  const unreached = all.filter(node => !reached.has(node)).map(node => `${at(node)}: expect.poll outside any test or hook, and not reached from one`)
  return {
    file,
    tests: contexts.filter(c => c.kind === 'test').length,
    hooks: contexts.filter(c => c.kind === 'hook').length,
    polls: all.length,
    problems: [...new Set(problems)],
    unreached
  }
}

/** testTimeout, hookTimeout and expect.poll.timeout from vitest.config.ts, parsed the same way. */
function configDefaults (text: string): Defaults {
  const sf = ts.createSourceFile('vitest.config.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const found: Partial<Defaults> = {}
  let seen = false
  const property = (object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined => {
    for (const prop of object.properties) {
      if (ts.isPropertyAssignment(prop) && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) && prop.name.text === name) return prop.initializer
    }
    return undefined
  }
  const number = (e: ts.Expression | undefined, name: string): number | undefined => {
    if (e == null) return undefined
    const v = evaluate(e)
    if (!v.ok) throw new Error(`vitest.config.ts: cannot evaluate ${name} (${v.why})`)
    return v.value
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'defineConfig' && node.arguments[0] != null) {
      const config = objectLiteralOf(node.arguments[0])
      const test = config == null ? undefined : property(config, 'test')
      const testObject = test == null ? undefined : objectLiteralOf(test)
      if (testObject == null) return
      seen = true
      found.testTimeout = number(property(testObject, 'testTimeout'), 'testTimeout')
      found.hookTimeout = number(property(testObject, 'hookTimeout'), 'hookTimeout')
      const expectOptions = property(testObject, 'expect')
      const poll = expectOptions == null ? undefined : property(objectLiteralOf(expectOptions) ?? ts.factory.createObjectLiteralExpression(), 'poll')
      const pollObject = poll == null ? undefined : objectLiteralOf(poll)
      found.pollTimeout = number(pollObject == null ? undefined : property(pollObject, 'timeout'), 'expect.poll.timeout')
      return
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  if (!seen) throw new Error('vitest.config.ts: no `defineConfig({ test: { ... } })` to read the timeouts from')
  return {
    testTimeout: found.testTimeout ?? VITEST_DEFAULTS.testTimeout,
    hookTimeout: found.hookTimeout ?? VITEST_DEFAULTS.hookTimeout,
    pollTimeout: found.pollTimeout ?? VITEST_DEFAULTS.pollTimeout
  }
}

function testFiles (): string[] {
  const dir = join(ROOT, 'test')
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter(name => name.endsWith('.test.ts') && !name.split(/[\\/]/).includes('node_modules'))
    .map(name => relative(ROOT, join(dir, name)).split('\\').join('/'))
    .sort()
}

const DEFAULTS: Defaults = { testTimeout: 60_000, hookTimeout: 60_000, pollTimeout: 1000 }
const check = (text: string): Analysis => analyse('x.test.ts', text, DEFAULTS)

describe('the poll-bounds check itself', () => {
  it('reads the timeouts vitest.config.ts sets', () => {
    const project = configDefaults(readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8'))
    expect(project.testTimeout).toBeGreaterThan(0)
    expect(project.hookTimeout).toBeGreaterThan(0)
    expect(() => configDefaults('export default {}')).toThrow(/no `defineConfig/)
    expect(configDefaults('export default defineConfig({ test: { testTimeout: 2 * 1_000, expect: { poll: { timeout: 500 } } } })'))
      .toEqual({ testTimeout: 2000, hookTimeout: 10_000, pollTimeout: 500 })
  })

  it('compares each poll with its test: the default, a numeric last argument, an options object', () => {
    const result = check([
      "it('a', async () => { await expect.poll(f, { timeout: 60_000 }).toBe(1) })",
      "it('b', async () => { await expect.poll(f, { timeout: 59_999 }).toBe(1) })",
      "it('c', async () => { await expect.poll(f, { timeout: 90_000, interval: 5 }).toBe(1) }, 90_000)",
      "it('d', { timeout: 120_000 }, async () => { await expect.poll(f, { timeout: 90_000 }).toBe(1) })",
      "it('e', async () => { await expect.poll(f).toBe(1) }, 1000)",
      "it('f', async () => { await expect.poll(f).toBe(1) }, 1001)"
    ].join('\n'))
    expect(result).toMatchObject({ tests: 6, polls: 6 })
    expect(result.problems).toEqual([
      "x.test.ts:1: expect.poll timeout 60000 ms is not below the timeout 60000 ms of its test 'a' (x.test.ts:1)",
      "x.test.ts:3: expect.poll timeout 90000 ms is not below the timeout 90000 ms of its test 'c' (x.test.ts:3)",
      "x.test.ts:5: expect.poll timeout 1000 ms is not below the timeout 1000 ms of its test 'e' (x.test.ts:5)"
    ])
  })

  it('follows it.each, describe.skipIf, suite timeouts, helpers defined in the body or named from it, and hooks', () => {
    const result = check([
      'const LONG = 2 * 60_000',
      'const wait = async () => { await expect.poll(f, { timeout: LONG }).toBe(1) }',
      "describe.skipIf(x)('s', () => {",
      '  beforeAll(async () => { await expect.poll(f, { timeout: 60_000 }).toBe(1) })',
      '  afterEach(async () => { await expect.poll(f, { timeout: 60_000 }).toBe(1) }, 61_000)',
      "  it.each([1, 2])('e %i', async () => {",
      '    const inner = async () => await expect.poll(f, { timeout: 70_000 }).toBe(1)',
      '    await inner()',
      '  }, 70_000)',
      "  it.concurrent('named helper', async () => { await wait() }, LONG)",
      '})',
      "describe('slow', () => {",
      "  it('inherits', async () => { await expect.poll(f, { timeout: 100_000 }).toBe(1) })",
      '}, 100_000)'
    ].join('\n'))
    expect(result).toMatchObject({ tests: 3, hooks: 2, polls: 5, unreached: [] })
    expect(result.problems).toEqual([
      'x.test.ts:4: expect.poll timeout 60000 ms is not below the timeout 60000 ms of its beforeAll hook (x.test.ts:4)',
      "x.test.ts:7: expect.poll timeout 70000 ms is not below the timeout 70000 ms of its test 'e %i' (x.test.ts:6)",
      "x.test.ts:2: expect.poll timeout 120000 ms is not below the timeout 120000 ms of its test 'named helper' (x.test.ts:10)",
      "x.test.ts:13: expect.poll timeout 100000 ms is not below the timeout 100000 ms of its test 'inherits' (x.test.ts:13)"
    ])
  })

  it('reports a timeout it cannot evaluate, naming file and line', () => {
    const result = check([
      'import { T } from "./t.js"',
      "it('a', async () => { await expect.poll(f, { timeout: T }).toBe(1) })",
      "it('b', async () => { await expect.poll(f, opts).toBe(1) }, limit())",
      'let n = 5',
      "it('c', async () => { await expect.poll(f, { timeout: n }).toBe(1) })",
      'const timeout = 1',
      "it('d', async () => { const wait = async (timeout: number) => await expect.poll(f, { timeout }).toBe(1); await wait(5) })"
    ].join('\n'))
    expect(result.problems).toEqual([
      "x.test.ts:3: cannot tell the test's timeout statically ('limit()' is not a literal, arithmetic or same-file constant); make it a literal or a same-file constant",
      "x.test.ts:2: cannot tell the expect.poll timeout statically ('T' is not a constant declared in this file); make it a literal or a same-file constant",
      "x.test.ts:3: cannot tell the expect.poll timeout statically (options 'opts' are not an object literal); make it a literal or a same-file constant",
      "x.test.ts:5: cannot tell the expect.poll timeout statically ('n' is not a const with an initializer); make it a literal or a same-file constant",
      "x.test.ts:7: cannot tell the expect.poll timeout statically ('timeout' is not a constant declared in this file); make it a literal or a same-file constant"
    ])
  })
})

describe('no expect.poll outlasts its test (issue 15)', () => {
  const defaults = configDefaults(readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8'))
  const analyses = testFiles().map(file => analyse(file, readFileSync(join(ROOT, file), 'utf8'), defaults))

  it('finds the test files, their tests and their polls', () => {
    expect(analyses.length).toBeGreaterThan(50)
    expect(analyses.reduce((n, a) => n + a.tests, 0)).toBeGreaterThan(300)
    expect(analyses.reduce((n, a) => n + a.polls, 0)).toBeGreaterThan(150)
  })

  it('every poll in a test, a hook or a same-file helper they call stops before its test or hook times out', () => {
    const problems = analyses.flatMap(a => a.problems)
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([])
  })

  it('every poll in a test file runs in a test or a hook, so it has a timeout to be checked against', () => {
    const unreached = analyses.flatMap(a => a.unreached)
    expect(unreached, `\n${unreached.join('\n')}\n`).toEqual([])
  })
})
