import { describe, expect, it } from 'vitest'
import { checkExpression, compileExpression, compileTemplate, deletePath, ExpressionCache, ExpressionError, isRef, parseRef, readPath, templateExpressions, writePath } from '.'

const scope = {
  event: { type: 'purchase', properties: { total: 150, country: 'DE', 'first name': 'Ann', items: [{ sku: 'a' }, { sku: 'b' }], tags: ['x'] } },
  profile: { traits: { vip: true, name: 'Ann' }, segments: ['vip', 'eu'] },
  session: { context: {} },
  flow: { key: 'country' },
  node: {},
  nodes: { check: { outputs: { true: { ok: 1 } } } },
  payload: { n: 3 },
}
const run = (source: string) => compileExpression(source)(scope)

describe('expressions', () => {
  it.each([
    ['event.properties.total > 100 && profile.traits.vip == true', true],
    ['event.properties.total <= 100 || false', false],
    ['event.properties.total >= 150 and not false', true],
    ['1 < 2 or 1 > 2', true],
    ['!(1 == 1)', false],
    ['1 != 2', true],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 % 4 - 1', 2],
    ['10 / 4', 2.5],
    ['-payload.n', -3],
    ['"a" + 1', 'a1'],
    ["'single' + \"double\"", 'singledouble'],
    ['[1, 2, "x"]', [1, 2, 'x']],
    ['null == event.nope', true],
    ['true ? "y" : "n"', 'y'],
    ['event.properties.total > 200 ? "big" : "small"', 'small'],
    ["'vip' in profile.segments", true],
    ["'us' in profile.segments", false],
    ["'ur' in 'purchase'", true],
    ["'total' in event.properties", true],
    ['event.properties["first name"]', 'Ann'],
    ['event.properties.items[1].sku', 'b'],
    ['event.properties[flow.key]', 'DE'],
    ['nodes.check.outputs.true.ok', 1],
    ['[1, 2] == [1, 2]', true],
    ['"150" > 100', true],
    ['"abc" > 100', false],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('reads a missing path as null and never throws', () => {
    expect(run('event.nope.deeper.still')).toBeNull()
    expect(run('event.type.length')).toBeNull()
    expect(run('payload.n.x')).toBeNull()
    expect(compileExpression('payload.x')({})).toBeNull()
    expect(run('1 / 0')).toBeNull()
    expect(run('"a" * 2')).toBeNull()
  })

  it.each([
    ['len(event.properties.items)', 2],
    ['len("abc")', 3],
    ['len(event.nope)', 0],
    ['lower("AbC")', 'abc'],
    ['upper(profile.traits.name)', 'ANN'],
    ['contains(profile.segments, "eu")', true],
    ['contains("hello", "ell")', true],
    ['startsWith(event.type, "pur")', true],
    ['endsWith(event.type, "ase")', true],
    ['exists(profile.traits.name)', true],
    ['exists(profile.traits.age)', false],
    ['round(2.567, 2)', 2.57],
    ['round(2.5)', 3],
    ['min(3, 1, 2)', 1],
    ['max([3, 9, 2])', 9],
    ['coalesce(event.nope, "fallback")', 'fallback'],
    ['default(event.nope, 5)', 5],
    ['join(["a", "b"], "-")', 'a-b'],
    ['number("42")', 42],
    ['date("2026-01-01T00:00:00Z")', Date.UTC(2026, 0, 1)],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('has now() in epoch milliseconds', () => {
    const value = run('now()') as number
    expect(Math.abs(value - Date.now())).toBeLessThan(1000)
  })

  it.each([
    ['x = 1', 2],
    ['this.x', 0],
    ['event.constructor', 6],
    ['event["__proto__"]', 7],
    ['event.prototype', 6],
    ['window', 0],
    ['process.exit()', 8],
    ['event.type.toUpperCase()', 11],
    ['constructor.constructor("return process")()', 0],
    ['len.constructor', 4],
    ['a; b', 1],
    ['{ a: 1 }', 0],
    ['1 | 2', 2],
    ['event.properties.total >', 24],
    ['', 0],
  ])('refuses %s with an error that names the position', (source, position) => {
    const error = checkExpression(source)
    expect(error).toBeInstanceOf(ExpressionError)
    expect(error!.position).toBe(position)
    expect(error!.message).toContain(`at position ${position}`)
  })

  it('never hands out host objects through computed access', () => {
    expect(compileExpression('event.properties[flow.k]')({ event: { properties: {} }, flow: { k: 'constructor' } })).toBeNull()
    expect(compileExpression('event[flow.k]')({ event: JSON.parse('{"__proto__": {"x": 1}}'), flow: { k: '__proto__' } })).toBeNull()
    expect(compileExpression('payload[flow.k]')({ payload: [1], flow: { k: 'map' } })).toBeNull()
  })

  it('keeps word operators apart from names that start with them', () => {
    expect(run('event.properties.tags == ["x"] and payload.n == 3')).toBe(true)
    expect(compileExpression('payload.android')({ payload: { android: 1 } })).toBe(1)
    expect(compileExpression('payload.index in [1]')({ payload: { index: 1 } })).toBe(true)
  })
})

describe('templates', () => {
  it('keeps the type of a template that is one whole expression', () => {
    expect(compileTemplate('{{ event.properties.total }}')(scope)).toBe(150)
    expect(compileTemplate('  {{ profile.segments }} ')(scope)).toEqual(['vip', 'eu'])
  })

  it('renders text with values, lists and objects as JSON, null as empty', () => {
    expect(compileTemplate('Hi {{ profile.traits.name }}, total {{ event.properties.total }} {{ event.nope }}!')(scope)).toBe('Hi Ann, total 150 !')
    expect(compileTemplate('{{ event.properties.tags }} and {{ payload }}')(scope)).toBe('["x"] and {"n":3}')
    expect(compileTemplate('no templates')(scope)).toBe('no templates')
  })

  it('reports errors at their position in the whole text', () => {
    expect(() => compileTemplate('Hello {{ event. }}')).toThrow(ExpressionError)
    try {
      compileTemplate('Hello {{ event.type == }}')
    } catch (error) {
      expect((error as ExpressionError).position).toBe('Hello {{ event.type == '.length)
    }
    expect(templateExpressions('a {{ x }} b {{y}}')).toEqual([
      { source: ' x ', start: 4 },
      { source: 'y', start: 14 },
    ])
  })
})

describe('references', () => {
  it('parses source@path and tells refs from e-mail addresses', () => {
    expect(parseRef('event@properties.total')).toEqual({ source: 'event', path: ['properties', 'total'] })
    expect(parseRef('payload@items.0')).toEqual({ source: 'payload', path: ['items', '0'] })
    expect(parseRef('payload@...')).toEqual({ source: 'payload', path: [] })
    expect(parseRef('profile@')).toEqual({ source: 'profile', path: [] })
    expect(parseRef('ann@example.com')).toBeNull()
    expect(parseRef('gold')).toBeNull()
    expect(parseRef('event@a..b')).toBeNull()
    expect(isRef('flow@basket')).toBe(true)
    expect(isRef(' flow@basket')).toBe(false)
  })

  it('reads, writes and deletes, creating what is missing', () => {
    const root: Record<string, unknown> = { a: { list: [1, 2, 3] } }
    expect(readPath(root, ['a', 'list', '1'])).toBe(2)
    expect(readPath(root, ['a', 'nope', 'x'])).toBeNull()
    writePath(root, ['b', 'c'], 1)
    writePath(root, ['d', '0', 'e'], 'x')
    expect(root).toEqual({ a: { list: [1, 2, 3] }, b: { c: 1 }, d: [{ e: 'x' }] })
    expect(deletePath(root, ['a', 'list', '0'])).toBe(true)
    expect(deletePath(root, ['b', 'c'])).toBe(true)
    expect(deletePath(root, ['zz'])).toBe(false)
    expect(root).toEqual({ a: { list: [2, 3] }, b: {}, d: [{ e: 'x' }] })
    expect(() => writePath({ a: 1 }, ['a', 'b'], 1)).toThrow(/holds number/)
    expect(() => writePath({}, [], 1)).toThrow(/empty path/)
  })

  it('refuses prototype pollution', () => {
    expect(() => writePath({}, ['__proto__', 'polluted'], 1)).toThrow()
    expect(() => writePath({}, ['constructor', 'prototype', 'polluted'], 1)).toThrow()
    expect(() => writePath({ a: {} }, ['a', '__proto__'], { polluted: 1 })).toThrow()
    expect(readPath({}, ['constructor'])).toBeNull()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('ExpressionCache', () => {
  it('compiles each expression once', () => {
    const cache = new ExpressionCache()
    expect(cache.expression('1 + 1')).toBe(cache.expression('1 + 1'))
    expect(cache.template('{{ 1 }}')).toBe(cache.template('{{ 1 }}'))
  })
})
