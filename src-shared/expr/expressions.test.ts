import { describe, expect, it } from 'vitest'
import type { Scope } from '.'
import { compileExpression, EXPRESSION_FUNCTIONS, STATE_NAMES } from '.'

const scope: Scope = {
  event: {
    type: 'purchase',
    properties: {
      total: 150,
      country: 'DE',
      'first name': 'Ann',
      items: [{ sku: 'a' }, { sku: 'b' }],
      tags: ['x'],
      price: '19.90',
      zero: 0,
      empty: '',
      nothing: null,
    },
  },
  profile: { traits: { vip: true, name: 'Ann', age: 41 }, segments: ['vip', 'eu'] },
  session: { context: { browser: 'firefox' } },
  flow: { key: 'country', i: 1, basket: [1, 2, 3] },
  node: { id: 'n1' },
  nodes: { check: { outputs: { true: { ok: 1 } } } },
  payload: { n: 3, items: [10, 20, 30] },
}

const run = (source: string, s: Scope = scope) => compileExpression(source)(s)

describe('literals', () => {
  it.each([
    ['42', 42],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ['"line\\nbreak"', 'line\nbreak'],
    ['true', true],
    ['false', false],
    ['null', null],
    ['[]', []],
    ['[1, "a", true, null, [2]]', [1, 'a', true, null, [2]]],
    ['[event.type, payload.n]', ['purchase', 3]],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('returns a fresh list on every run', () => {
    const evaluate = compileExpression('[1, [2]]')
    const first = evaluate(scope) as unknown[]
    first.push(99)
    ;(first[1] as unknown[]).push(99)
    expect(evaluate(scope)).toEqual([1, [2]])
  })
})

describe('state and paths', () => {
  it.each([
    ['event.type', 'purchase'],
    ['event.properties.total', 150],
    ['event.properties["first name"]', 'Ann'],
    ["event.properties['first name']", 'Ann'],
    ['event.properties.items[1].sku', 'b'],
    ['event["properties"]["country"]', 'DE'],
    ['event.properties[flow.key]', 'DE'],
    ['payload.items[flow.i]', 20],
    ['payload.items[0]', 10],
    ['payload.items[1 + 1]', 30],
    ['payload.items.length', 3],
    ['nodes.check.outputs.true.ok', 1],
    ['session.context.browser', 'firefox'],
    ['node.id', 'n1'],
    ['profile.segments', ['vip', 'eu']],
    ['event?.type', 'purchase'],
    ['[10, 20][1]', 20],
    ['split("a,b", ",")[1]', 'b'],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('reads every state name', () => {
    const s: Scope = {}
    for (const name of STATE_NAMES) s[name] = { name }
    for (const name of STATE_NAMES) expect(run(`${name}.name`, s)).toBe(name)
  })

  it.each([
    'event.nope',
    'event.nope.deeper.still',
    'event.type.length',
    'event.type.x',
    'payload.n.x',
    'event.properties.nothing.x',
    'event.properties.total.toFixed',
    'payload.items[5]',
    'payload.items[-1]',
    'payload.items[1.5]',
    'payload.items["x"]',
    'event.properties[flow.missing]',
    'event.properties[payload.items]',
    'event.properties[true]',
    'event.a.b.c.d.e.f.g',
    'payload.items.map',
    'event.hasOwnProperty',
    'event.toString',
    'event.valueOf',
    'event.properties.nothing',
  ])('reads a missing path as null: %s', (source) => {
    expect(run(source)).toBeNull()
  })

  it('never throws on missing or odd state', () => {
    const odd: Scope[] = [
      {},
      { event: null },
      { event: 42 },
      { event: 'text' },
      { event: [] },
      { event: new Date(0) },
      { event: new Map([['type', 'x']]) },
      { event: () => 1 },
      { event: Object.create(null) as unknown },
    ]
    for (const s of odd) {
      expect(run('event.type', s)).toBeNull()
      expect(run('event.a.b.c.d.e', s)).toBeNull()
      expect(run('event[flow.key]', s)).toBeNull()
      expect(run('event.type > 1 && len(event.type) == 0', s)).toBe(false)
    }
    expect(run('event', {})).toBeNull()
    expect(run('event', { event: () => 1 })).toBeNull()
  })

  it('reads own data of null-prototype objects, but nothing of class instances', () => {
    const bare = Object.create(null) as Record<string, unknown>
    bare.type = 'x'
    expect(run('event.type', { event: bare })).toBe('x')
    class Thing {
      type = 'secret'
    }
    expect(run('event.type', { event: new Thing() })).toBeNull()
    expect(run('event[flow.key]', { event: new Thing(), flow: { key: 'type' } })).toBeNull()
  })

  it('reads data that happens to have an own "constructor" key through other keys', () => {
    const data = JSON.parse('{"constructor": "x", "a": 1}') as unknown
    expect(run('event.a', { event: data })).toBe(1)
    expect(run('event[flow.k]', { event: data, flow: { k: 'constructor' } })).toBeNull()
  })

  it('hands out no functions stored in the data', () => {
    expect(run('event.f', { event: { f: () => 1 } })).toBeNull()
    expect(run('event[flow.k]', { event: { f: () => 1 }, flow: { k: 'f' } })).toBeNull()
    expect(run('values(event)', { event: { f: () => 1 } })).toEqual([null])
  })
})

describe('operators', () => {
  it.each([
    // logic, with word aliases
    ['true && false', false],
    ['true and true', true],
    ['false || true', true],
    ['false or false', false],
    ['!true', false],
    ['not true', false],
    ['not false and true', true],
    ['!!event.type', true],
    ['event.nope && event.nope.x', null],
    ['event.nope || "fallback"', 'fallback'],
    ['event.type && "yes"', 'yes'],
    ['0 || ""', ''],
    // equality: strict for primitives, deep for lists and objects
    ['1 == 1', true],
    ['1 != 2', true],
    ['1 == "1"', false],
    ['0 == false', false],
    ['"" == false', false],
    ['null == false', false],
    ['null == event.nope', true],
    ['event.nope == null', true],
    ['event.nope != null', false],
    ['event.type != null', true],
    ['[1, [2]] == [1, [2]]', true],
    ['[1, 2] == [2, 1]', false],
    ['[1] != [1]', false],
    ['event.properties.items[0] == event.properties.items[0]', true],
    ['profile.traits == profile.traits', true],
    ['event.properties.tags == ["x"]', true],
    ['profile.traits.vip == true', true],
    ['true == profile.traits.vip', true],
    // comparisons
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 2', true],
    ['2 >= 3', false],
    ['"a" < "b"', true],
    ['"b" >= "a"', true],
    ['"10" < "9"', true],
    ['"150" > 100', true],
    ['100 < "150"', true],
    ['event.properties.price > 19', true],
    ['" 12 " == 12', false],
    ['"abc" > 100', false],
    ['"abc" <= 100', false],
    ['null < 1', false],
    ['null >= 0', false],
    ['true > false', false],
    ['[2] > [1]', false],
    ['event.nope > 1', false],
    ['event.nope < 1', false],
    // arithmetic
    ['1 + 2', 3],
    ['5 - 8', -3],
    ['4 * 2.5', 10],
    ['10 / 4', 2.5],
    ['7 % 4', 3],
    ['-7 % 4', -3],
    ['1 / 0', null],
    ['0 / 0', null],
    ['5 % 0', null],
    ['"6" / "3"', 2],
    ['"6" * 2', 12],
    ['"a" * 2', null],
    ['null * 2', null],
    ['event.nope - 1', null],
    ['true + 1', 2],
    ['1e308 * 10', null],
    ['-payload.n', -3],
    ['-"3"', -3],
    ['-"x"', null],
    ['+"3"', 3],
    ['-0', 0],
    // + concatenates when either side is a string
    ['"a" + 1', 'a1'],
    ['1 + "a"', '1a'],
    ['"2" + 2', '22'],
    ['"a" + true', 'atrue'],
    ['"a" + null', 'a'],
    ['"a" + [1, 2]', 'a[1,2]'],
    ['"n=" + payload.n', 'n=3'],
    ['\'single\' + "double"', 'singledouble'],
    ['null + 1', null],
    ['[1] + [2]', null],
    // in: list membership, substring, own key
    ["'vip' in profile.segments", true],
    ["'us' in profile.segments", false],
    ['2 in flow.basket', true],
    ['"2" in flow.basket', false],
    ['[2] in [[1], [2]]', true],
    ['null in [1, null]', true],
    ['event.nope in [1, null]', true],
    ['event.type in ["purchase", "refund"]', true],
    ['event.type in ["refund"]', false],
    ["'ur' in 'purchase'", true],
    ["'x' in event.type", false],
    ['1 in "a1"', true],
    ["'total' in event.properties", true],
    ["'nope' in event.properties", false],
    ["'toString' in event.properties", false],
    ["'constructor' in event.properties", false],
    ["'__proto__' in event.properties", false],
    ['1 in null', false],
    ['"a" in 5', false],
    // conditional
    ['true ? "y" : "n"', 'y'],
    ['null ? "y" : "n"', 'n'],
    ['event.properties.total > 200 ? "big" : "small"', 'small'],
    ['false ? 1 : true ? 2 : 3', 2],
    ['event.properties.zero ? 1 : 2', 2],
    ['event.properties.empty ? 1 : 2', 2],
    ['profile.segments ? 1 : 2', 1],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })
})

describe('precedence', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['16 / 4 / 2', 2],
    ['2 * 3 % 4', 2],
    ['1 + 2 == 3', true],
    ['1 < 2 == true', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['true or false and false', true],
    ['false and false or true', true],
    ['1 == 1 && 2 == 2', true],
    ['!false && false', false],
    ['!(1 == 2)', true],
    ['-2 * -3', 6],
    ['1 > 0 ? 2 + 3 : 4', 5],
    ['true ? false ? 1 : 2 : 3', 2],
    ["'a' in ['a'] == true", true],
    ['1 + 1 in [2]', true],
    // the word `not` negates the whole comparison (English reading); `!` binds tightest
    ["not 'vip' in profile.segments", false],
    ["not 'us' in profile.segments", true],
    ["!'vip' in profile.segments", false],
    ['not 0 == 1', true],
    ['!0 == 1', false],
    ['not not 1 == 1', true],
    ['not 1 + 1 == 3', true],
    ['not false and false', false],
    ['not true or true', true],
    ['true and not 1 == 2', true],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('evaluates and/or lazily', () => {
    // An evaluator that would fail loudly if the right side were run on a bad scope.
    const evaluate = compileExpression('event.ok && event.list[0] == 1')
    expect(evaluate({ event: { ok: false } })).toBe(false)
    expect(evaluate({ event: { ok: true, list: [1] } })).toBe(true)
  })
})

describe('word operators and names', () => {
  it('keeps and/or/not/in apart from names that start with them', () => {
    const s: Scope = {
      payload: { android: 1, order: 2, notes: 3, index: 4, inside: 5, andy: 6, ornament: 7 },
    }
    expect(run('payload.android', s)).toBe(1)
    expect(run('payload.order', s)).toBe(2)
    expect(run('payload.notes', s)).toBe(3)
    expect(run('payload.index in [4]', s)).toBe(true)
    expect(run('payload.inside + payload.andy + payload.ornament', s)).toBe(18)
    expect(run('payload.android and payload.order', s)).toBe(2)
    expect(run('payload.notes or 0', s)).toBe(3)
  })

  it('accepts word operators without spaces where JavaScript would', () => {
    expect(run('event.type in["purchase"]')).toBe(true)
    expect(run('(true)and(false)')).toBe(false)
    expect(run('not(false)')).toBe(true)
  })

  it('treats words as keys after a dot', () => {
    expect(run('event.and', { event: { and: 1 } })).toBe(1)
    expect(run('event.in', { event: { in: 2 } })).toBe(2)
    expect(run('event.null', { event: { null: 3 } })).toBe(3)
    expect(run('event.this', { event: { this: 4 } })).toBe(4)
  })
})

describe('functions', () => {
  it.each([
    ['len(event.properties.items)', 2],
    ['len("abc")', 3],
    ['len(event.properties)', 9],
    ['len(event.nope)', 0],
    ['len(5)', 0],
    ['lower("AbC")', 'abc'],
    ['lower(5)', null],
    ['upper(profile.traits.name)', 'ANN'],
    ['upper(event.nope)', null],
    ['trim("  x  ")', 'x'],
    ['contains(profile.segments, "eu")', true],
    ['contains(profile.segments, "us")', false],
    ['contains("hello", "ell")', true],
    ['contains(event.properties, "total")', true],
    ['contains(null, "x")', false],
    ['startsWith(event.type, "pur")', true],
    ['startsWith(event.type, "x")', false],
    ['startsWith(5, "5")', false],
    ['endsWith(event.type, "ase")', true],
    ['exists(profile.traits.name)', true],
    ['exists(profile.traits.nope)', false],
    ['exists(event.properties.zero)', true],
    ['exists(event.properties.nothing)', false],
    ['round(2.567, 2)', 2.57],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.005, 2)', 1.01],
    ['round(1234.5, -2)', 1200],
    ['round("2.4")', 2],
    ['round("x")', null],
    ['floor(1.7)', 1],
    ['floor(-1.2)', -2],
    ['ceil(1.2)', 2],
    ['abs(-3)', 3],
    ['abs("x")', null],
    ['min(3, 1, 2)', 1],
    ['min([3, 1, 2])', 1],
    ['min("x", 4)', 4],
    ['min([])', null],
    ['max(3, 9, 2)', 9],
    ['max([3, "10", 2])', 10],
    ['sum([1, 2, 3])', 6],
    ['sum(1, 2)', 3],
    ['number("42")', 42],
    ['number("4.5e1")', 45],
    ['number(true)', 1],
    ['number("x")', null],
    ['number(null)', null],
    ['string(42)', '42'],
    ['string(null)', ''],
    ['string([1, "a"])', '[1,"a"]'],
    ['string(profile.traits)', '{"vip":true,"name":"Ann","age":41}'],
    ['type(null)', 'null'],
    ['type(1)', 'number'],
    ['type("a")', 'string'],
    ['type(true)', 'boolean'],
    ['type([])', 'list'],
    ['type(event)', 'object'],
    ['keys(profile.traits)', ['vip', 'name', 'age']],
    ['keys([1])', []],
    ['values(profile.traits)', [true, 'Ann', 41]],
    ['values(5)', []],
    ['join(["a", "b"], "-")', 'a-b'],
    ['join([1, null, "x"])', '1,,x'],
    ['join("a", "-")', null],
    ['split("a,b,c")', ['a', 'b', 'c']],
    ['split("a b", " ")', ['a', 'b']],
    ['split(5, ",")', null],
    ['replace("a-b-c", "-", "+")', 'a+b+c'],
    ['replace("a", "a", "$&$&")', '$&$&'],
    ['slice("hello", 1, 3)', 'el'],
    ['slice([1, 2, 3], -2)', [2, 3]],
    ['slice(5, 1)', null],
    ['coalesce(event.nope, null, "fallback", "later")', 'fallback'],
    ['coalesce(event.nope)', null],
    ['coalesce(event.properties.zero, 1)', 0],
    ['default(event.nope, 5)', 5],
    ['default(event.properties.empty, 5)', ''],
    ['date("2026-01-01T00:00:00Z")', Date.UTC(2026, 0, 1)],
    ['date("2026-01-01T10:00:00+02:00")', Date.UTC(2026, 0, 1, 8)],
    ['date("not a date")', null],
    ['date(5)', 5],
    ['date(null)', null],
    ['iso(0)', '1970-01-01T00:00:00.000Z'],
    ['iso(date("2026-03-04T05:06:07Z"))', '2026-03-04T05:06:07.000Z'],
    ['iso("x")', null],
    ['iso(1e20)', null],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('has now() in epoch milliseconds, read on every run', () => {
    const evaluate = compileExpression('now()')
    const first = evaluate(scope) as number
    expect(Math.abs(first - Date.now())).toBeLessThan(1000)
    const until = Date.now() + 3
    while (Date.now() < until) {
      // wait for the clock to move on
    }
    expect(evaluate(scope) as number).toBeGreaterThan(first)
    expect(run('now() - date("2020-01-01T00:00:00Z") > 0')).toBe(true)
  })

  it('documents every function for the editor', () => {
    for (const name of [
      'len',
      'lower',
      'upper',
      'contains',
      'startsWith',
      'exists',
      'round',
      'min',
      'max',
      'now',
      'endsWith',
      'trim',
      'abs',
      'floor',
      'ceil',
      'number',
      'string',
      'keys',
      'values',
      'join',
      'split',
      'coalesce',
      'default',
      'date',
      'iso',
    ]) {
      const info = EXPRESSION_FUNCTIONS[name]
      expect(info, name).toBeDefined()
      expect(info!.signature.startsWith(`${name}(`)).toBe(true)
      expect(info!.description.length).toBeGreaterThan(5)
      expect(Object.keys(info!)).toEqual(['signature', 'description'])
    }
  })

  it('handles long lists without overflowing the stack', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i)
    expect(run('max(payload)', { payload: big })).toBe(199_999)
    expect(run('min(payload)', { payload: big })).toBe(0)
  })
})

describe('constant folding keeps semantics', () => {
  it.each([
    ['1 + 2 > 2 && "a" in ["a"]', true],
    ['len("abc") * 2', 6],
    ['false && event.type', false],
    ['true || event.type', true],
    ['true && event.type', 'purchase'],
    ['false || event.type', 'purchase'],
    ['1 > 2 ? event.type : "no"', 'no'],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })
})
