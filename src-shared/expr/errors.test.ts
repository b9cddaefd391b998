import { describe, expect, it } from 'vitest'
import { checkExpression, compileExpression, ExpressionError } from '.'

function errorOf(source: string): ExpressionError {
  const error = checkExpression(source)
  expect(error, source).toBeInstanceOf(ExpressionError)
  return error!
}

describe('compile errors name their position', () => {
  it.each([
    // assignment and operators outside the language
    ['x = 1', 2, /Assignment/],
    ['event.a = 1', 8, /Assignment/],
    ['event.a += 1', 8, /Assignment/],
    ['a => a', 2, /Arrow/],
    ['1 === 1', 2, /use ==/],
    ['1 !== 1', 2, /use !=/],
    ['event.a ?? 1', 8, /coalesce/],
    ['2 ** 3', 2, /\*\*/],
    ['1 | 2', 2, /Bitwise/],
    ['1 & 2', 2, /Bitwise/],
    ['1 ^ 2', 2, /Bitwise/],
    ['1 << 2', 2, /Bitwise/],
    ['~1', 0, /Unexpected "~"/],
    // this, keywords and unknown names
    ['this', 0, /"this"/],
    ['this.x', 0, /"this"/],
    ['1 + this', 4, /"this"/],
    ['window', 0, /Unknown name "window"/],
    ['event.type == foo', 14, /Unknown name "foo"/],
    ['process', 0, /Unknown name/],
    ['globalThis.process', 0, /Unknown name/],
    ['undefined', 0, /use null/],
    ['new Date()', 0, /keyword "new"/],
    ['typeof event', 0, /keyword "typeof"/],
    ['len', 0, /is a function/],
    ['1 + lower', 4, /is a function/],
    // forbidden keys
    ['event.constructor', 6, /"constructor"/],
    ['event.__proto__', 6, /"__proto__"/],
    ['event.prototype', 6, /"prototype"/],
    ['event["__proto__"]', 6, /"__proto__"/],
    ["event.properties['constructor']", 17, /"constructor"/],
    ["event['con' + 'structor']", 6, /"constructor"/],
    ['len.constructor', 4, /"constructor"/],
    ['event.a.b.constructor.name', 10, /"constructor"/],
    // calls: only curated functions, by bare name
    ['event.foo()', 6, /Only the built-in functions/],
    ['event.type.toUpperCase()', 11, /Only the built-in functions/],
    ['process.exit()', 8, /Only the built-in functions/],
    ['Math.max(1, 2)', 5, /Only the built-in functions/],
    ['event["x"]()', 6, /Only the built-in functions/],
    ['len(1)(2)', 0, /Only the built-in functions/],
    ['constructor.constructor("return process")()', 0, /Only the built-in functions/],
    ['foo(1)', 0, /Unknown function "foo"/],
    ['1 + eval("1")', 4, /Unknown function "eval"/],
    ['event(1)', 0, /not a function/],
    ['lower()', 0, /lower takes 1 argument/],
    ['x > 1 || upper(1, 2)', 0, /Unknown name "x"/],
    ['event.a > 1 || upper(1, 2)', 15, /upper takes 1 argument/],
    ['now(1)', 0, /now takes 0 arguments/],
    ['min()', 0, /at least 1/],
    ['round(1, 2, 3)', 0, /1 to 2 arguments/],
    // literals and compound expressions
    ['{ a: 1 }', 0, /Object literals/],
    ['[1, { a: 1 }]', 4, /Object literals/],
    ['len({})', 4, /Object literals/],
    ['`x`', 0, /Backtick/],
    ['a; b', 1, /one expression/],
    ['event.a; event.b', 7, /one expression/],
    ['event.a;', 7, /one expression/],
    ['; event.a', 0, /one expression/],
    ['event.a, event.b', 7, /one expression/],
    ['(event.a, event.b)', 8, /one expression/],
    ['event.a event.b', 8, /one expression/],
    // syntax errors from the parser
    ['', 0, /empty/],
    ['   ', 0, /empty/],
    ['()', 0, /empty/],
    ['event.properties.total >', 24, /Expected an expression after ">"/],
    ['1 +', 3, /Expected an expression/],
    ['-', 1, /Expected an expression/],
    ['event.', 6, /end of the expression/],
    ['event[', 6, /end of the expression/],
    ['event["x"', 9, /Unclosed \[/],
    ['(1 + 2', 6, /Unclosed \(/],
    ['len(1', 5, /Expected \)/],
    ['"abc', 4, /Unclosed quote/],
    ['1 ? 2', 5, /Expected :/],
    ['#', 0, /Unexpected "#"/],
    ['event @ x', 6, /Unexpected "@"/],
    ['12abc', 2, /cannot start with a number/],
  ])('%s → position %i', (source, position, reason) => {
    const error = errorOf(source)
    expect(error.position).toBe(position)
    expect(error.message).toMatch(reason)
    expect(error.message).toContain(`at position ${position}`)
    expect(error.message.endsWith(`at position ${position}`)).toBe(true)
    expect(error.expression).toBe(source)
    expect(error.name).toBe('ExpressionError')
    expect(error).toBeInstanceOf(Error)
  })

  it('throws the same error from compileExpression', () => {
    expect(() => compileExpression('event.constructor')).toThrow(ExpressionError)
    expect(() => compileExpression('event.constructor')).toThrow(/at position 6/)
  })

  it('returns null from checkExpression for valid expressions', () => {
    expect(checkExpression('event.properties.total > 100 && profile.traits.vip == true')).toBeNull()
  })

  it('refuses pathological nesting with an ExpressionError, not a crash', () => {
    const deep = '('.repeat(20_000) + '1' + ')'.repeat(20_000)
    const error = checkExpression(deep)
    expect(error).toBeInstanceOf(ExpressionError)
  })

  it('refuses non-text sources', () => {
    expect(checkExpression(42 as unknown as string)).toBeInstanceOf(ExpressionError)
  })
})

describe('sandbox', () => {
  const attempts = [
    'constructor.constructor("return process")()',
    'event.constructor.constructor("return process")()',
    'event["constructor"]["constructor"]("return 1")()',
    'len.constructor("return process")()',
    'lower.call(null, "x")',
    'event.__proto__.polluted',
    'event["__proto__"]',
    'event.properties["constructor"]',
    'len.constructor',
    '[].constructor',
    '"".constructor',
    'event.toString()',
    'this.constructor',
    'Function("return 1")()',
    'globalThis',
    'require("fs")',
    'import("fs")',
  ]

  it.each(attempts)('%s fails at compile time', (source) => {
    expect(checkExpression(source)).toBeInstanceOf(ExpressionError)
  })

  const hostile = [
    'constructor',
    '__proto__',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__defineGetter__',
    'map',
    'length',
    'call',
  ]

  it.each(hostile)('computed access with %j at run time reads data or null', (key) => {
    const read = compileExpression('event[flow.key]')
    const readDeep = compileExpression('event.properties[flow.key][flow.key]')
    for (const event of [{}, { properties: {} }, [], { properties: [1] }, 'text', 5]) {
      const value = read({ event, flow: { key } })
      expect(typeof value === 'function' || (typeof value === 'object' && value !== null)).toBe(
        false,
      )
      expect(readDeep({ event, flow: { key } })).toBeNull()
    }
  })

  it('never returns a host function or prototype through computed access', () => {
    const read = compileExpression('event[flow.key]')
    expect(read({ event: {}, flow: { key: 'constructor' } })).toBeNull()
    expect(read({ event: {}, flow: { key: '__proto__' } })).toBeNull()
    expect(read({ event: [], flow: { key: 'map' } })).toBeNull()
    expect(
      read({ event: JSON.parse('{"__proto__": {"x": 1}}'), flow: { key: '__proto__' } }),
    ).toBeNull()
    expect(read({ event: { constructor: 'own' }, flow: { key: 'constructor' } })).toBeNull()
    // Arrays' own length is data.
    expect(read({ event: [1, 2], flow: { key: 'length' } })).toBe(2)
  })

  it('ignores a polluted Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.pollutedForTest = 'leak'
    try {
      expect(compileExpression('event.pollutedForTest')({ event: {} })).toBeNull()
      expect(
        compileExpression('event[flow.k]')({ event: {}, flow: { k: 'pollutedForTest' } }),
      ).toBeNull()
      expect(compileExpression('"pollutedForTest" in event')({ event: {} })).toBe(false)
    } finally {
      delete proto.pollutedForTest
    }
  })

  it('functions hand out data only', () => {
    const evaluate = (source: string) => compileExpression(source)({ event: { a: { b: 1 } } })
    for (const source of ['keys(event)', 'values(event)', 'split("a", "")', 'slice([1], 0)']) {
      const value = evaluate(source)
      expect(Array.isArray(value)).toBe(true)
      for (const item of value as unknown[]) expect(typeof item).not.toBe('function')
    }
  })
})
