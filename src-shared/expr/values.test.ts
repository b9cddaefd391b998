import { describe, expect, it } from 'vitest'
import { deepEqual, jsonEqual } from './values'

describe('one structural equality', () => {
  it('compares objects key by key in any order and arrays item by item', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true)
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true)
    expect(deepEqual([1, 2], [2, 1])).toBe(false)
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(deepEqual([], {})).toBe(false)
  })

  it('takes a missing value to equal null in expressions, never in stored state', () => {
    expect(deepEqual(null, undefined)).toBe(true)
    expect(deepEqual({ a: null }, { a: undefined })).toBe(true)
    expect(jsonEqual(null, undefined)).toBe(false)
    expect(jsonEqual({ a: null }, { a: undefined })).toBe(false)
    expect(jsonEqual({ a: null }, {})).toBe(false)
  })

  it('keeps numbers and strings apart and NaN equal to itself', () => {
    expect(deepEqual(1, '1')).toBe(false)
    expect(jsonEqual(Number.NaN, Number.NaN)).toBe(true)
    expect(deepEqual({ n: Number.NaN }, { n: Number.NaN })).toBe(true)
  })
})
