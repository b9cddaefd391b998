import { describe, expect, it } from 'vitest'
import type { Ref } from '.'
import { deletePath, formatRef, isRef, parseRef, readPath, STATE_NAMES, writePath } from '.'

describe('parseRef', () => {
  it.each([
    ['event@properties.total', { source: 'event', path: ['properties', 'total'] }],
    ['profile@traits.email', { source: 'profile', path: ['traits', 'email'] }],
    ['flow@basket', { source: 'flow', path: ['basket'] }],
    ['payload@items.0', { source: 'payload', path: ['items', '0'] }],
    ['payload@', { source: 'payload', path: [] }],
    ['payload@...', { source: 'payload', path: [] }],
    ['profile@', { source: 'profile', path: [] }],
    ['session@context.browser', { source: 'session', path: ['context', 'browser'] }],
    ['node@id', { source: 'node', path: ['id'] }],
    ['nodes@check.outputs.true', { source: 'nodes', path: ['check', 'outputs', 'true'] }],
    ['event@properties.first-name', { source: 'event', path: ['properties', 'first-name'] }],
  ])('%s', (text, expected) => {
    expect(parseRef(text)).toEqual(expected)
  })

  it('parses every source', () => {
    for (const source of STATE_NAMES)
      expect(parseRef(`${source}@a`)).toEqual({ source, path: ['a'] })
  })

  it.each([
    'gold',
    '',
    '@',
    '@traits.email',
    'ann@example.com',
    'info@profile.com',
    'events@properties',
    'Event@properties',
    'profiles@x',
    ' flow@basket',
    'flow@basket ',
    'flow@ basket',
    'flow @basket',
    'flow@bas ket',
    'event@a..b',
    'event@.a',
    'event@a.',
    'event@....',
    'mailto:profile@x',
  ])('%j is not a reference', (text) => {
    expect(parseRef(text)).toBeNull()
    expect(isRef(text)).toBe(false)
  })

  it('tells refs from other values', () => {
    expect(isRef('flow@basket')).toBe(true)
    expect(isRef(42)).toBe(false)
    expect(isRef(null)).toBe(false)
    expect(isRef({ source: 'flow', path: [] })).toBe(false)
    expect(parseRef(42 as unknown as string)).toBeNull()
  })

  it('hands out cached refs that cannot be changed by a caller', () => {
    const ref = parseRef('flow@a.b')!
    expect(parseRef('flow@a.b')).toBe(ref)
    expect(() => ref.path.push('c')).toThrow()
    expect(parseRef('flow@a.b')!.path).toEqual(['a', 'b'])
  })

  it('formats refs back', () => {
    const refs: Ref[] = [
      { source: 'profile', path: ['traits', 'email'] },
      { source: 'payload', path: [] },
      { source: 'payload', path: ['items', '0'] },
    ]
    for (const ref of refs) expect(parseRef(formatRef(ref))).toEqual(ref)
    expect(formatRef({ source: 'event', path: ['properties', 'total'] })).toBe(
      'event@properties.total',
    )
    expect(formatRef({ source: 'payload', path: [] })).toBe('payload@')
  })
})

describe('readPath', () => {
  const root = {
    a: { list: [1, 2, { deep: 'x' }], zero: 0, nothing: null, empty: '' },
    text: 'hello',
  }

  it.each([
    [[], root],
    [['a', 'list', '1'], 2],
    [['a', 'list', '2', 'deep'], 'x'],
    [['a', 'zero'], 0],
    [['a', 'empty'], ''],
    [['a', 'list', 'length'], 3],
  ])('%j', (path, expected) => {
    expect(readPath(root, path)).toEqual(expected)
  })

  it.each([
    [['a', 'nope', 'x']],
    [['a', 'nothing']],
    [['a', 'nothing', 'x']],
    [['text', 'length']],
    [['text', '0']],
    [['a', 'list', '9']],
    [['a', 'list', '-1']],
    [['constructor']],
    [['__proto__']],
    [['a', 'toString']],
    [['a', 'list', 'map']],
    [['a', 'constructor', 'prototype']],
  ])('%j is null', (path) => {
    expect(readPath(root, path)).toBeNull()
  })

  it('reads null from missing or non-data roots', () => {
    expect(readPath(undefined, [])).toBeNull()
    expect(readPath(undefined, ['a'])).toBeNull()
    expect(readPath(null, ['a'])).toBeNull()
    expect(readPath(5, ['a'])).toBeNull()
    expect(readPath(new Date(), ['a'])).toBeNull()
    expect(readPath(() => 1, [])).toBeNull()
    expect(readPath(() => 1, ['name'])).toBeNull()
    expect(readPath({ f: () => 1 }, ['f'])).toBeNull()
  })
})

describe('writePath', () => {
  it('writes and creates missing objects and lists', () => {
    const root: Record<string, unknown> = { a: { list: [1, 2, 3] } }
    writePath(root, ['b', 'c'], 1)
    writePath(root, ['d', '0', 'e'], 'x')
    writePath(root, ['a', 'list', '1'], 'two')
    writePath(root, ['a', 'list', '3'], 4)
    writePath(root, ['top'], { nested: true })
    writePath(root, ['n', 'x'], null)
    writePath(root, ['b', 'c'], 2)
    expect(root).toEqual({
      a: { list: [1, 'two', 3, 4] },
      b: { c: 2 },
      d: [{ e: 'x' }],
      top: { nested: true },
      n: { x: null },
    })
  })

  it('replaces null on the way and keeps leading-zero segments as keys', () => {
    const root: Record<string, unknown> = { a: null }
    writePath(root, ['a', '01', 'b'], 1)
    expect(root).toEqual({ a: { '01': { b: 1 } } })
  })

  it('writes into null-prototype objects', () => {
    const bare = Object.create(null) as Record<string, unknown>
    writePath(bare, ['a', 'b'], 1)
    expect(readPath(bare, ['a', 'b'])).toBe(1)
  })

  it.each([
    [{ a: 1 }, ['a', 'b'], /holds a number/],
    [{ a: 'text' }, ['a', 'b'], /holds a string/],
    [{ a: true }, ['a', 'b', 'c'], /holds a boolean/],
    [{ a: new Date() }, ['a', 'b'], /not plain data/],
    [{ a: [1] }, ['a', 'x'], /is a list/],
    [{ a: [1] }, ['a', 'x', 'y'], /is a list/],
    [{}, [], /empty path/],
    [{}, ['a', ''], /empty path segment/],
  ])('refuses %j ← %j', (root, path, message) => {
    const before = JSON.stringify(root)
    expect(() => writePath(root as Record<string, unknown>, path, 1)).toThrow(message)
    expect(JSON.stringify(root)).toBe(before)
  })

  it('refuses to write into a root that is not data', () => {
    expect(() => writePath(5 as unknown as Record<string, unknown>, ['a'], 1)).toThrow(/number/)
    expect(() => writePath(null as unknown as Record<string, unknown>, ['a'], 1)).toThrow(/null/)
  })

  it.each([
    [['__proto__', 'polluted']],
    [['__proto__']],
    [['constructor', 'prototype', 'polluted']],
    [['constructor']],
    [['a', '__proto__', 'polluted']],
    [['a', 'prototype']],
    [['x', 'y', '__proto__']],
  ])('refuses prototype pollution through %j', (path) => {
    const root: Record<string, unknown> = { a: {} }
    expect(() => writePath(root, path, { polluted: 1 })).toThrow(/not allowed/)
    expect(() => writePath(root, path, 1)).toThrow(/not allowed/)
    // Nothing was created on the way, and no prototype changed.
    expect(root).toEqual({ a: {} })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(root.a)).toBe(Object.prototype)
  })

  it('refuses prototype pollution through a parsed reference', () => {
    const ref = parseRef('flow@__proto__.polluted')!
    expect(ref).not.toBeNull()
    expect(() => writePath({}, ref.path, 1)).toThrow()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('deletePath', () => {
  it('deletes object keys and splices lists', () => {
    const root: Record<string, unknown> = { a: { list: [1, 2, 3] }, b: { c: 1, d: 2 } }
    expect(deletePath(root, ['a', 'list', '0'])).toBe(true)
    expect(deletePath(root, ['b', 'c'])).toBe(true)
    expect(root).toEqual({ a: { list: [2, 3] }, b: { d: 2 } })
  })

  it.each([
    [[]],
    [['zz']],
    [['a', 'list', '9']],
    [['a', 'list', 'x']],
    [['a', 'list', 'length']],
    [['a', 'nope', 'x']],
    [['__proto__']],
    [['constructor']],
    [['a', 'toString']],
  ])('returns false for %j and changes nothing', (path) => {
    const root: Record<string, unknown> = { a: { list: [1, 2, 3] } }
    expect(deletePath(root, path)).toBe(false)
    expect(root).toEqual({ a: { list: [1, 2, 3] } })
  })

  it('returns false for roots that are not data', () => {
    expect(deletePath(null, ['a'])).toBe(false)
    expect(deletePath(5, ['a'])).toBe(false)
    expect(deletePath('text', ['0'])).toBe(false)
  })
})
