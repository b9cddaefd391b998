import { describe, expect, it } from 'vitest'
import { ShapeCopier } from './shallow-copy'

/** What the copier stands in for: the spread, keys in order. */
function expectSameAsSpread(copier: ShapeCopier, source: Record<string, unknown>): void {
  const copy = copier.copy(source)
  expect(copy).not.toBe(source)
  expect(Object.keys(copy)).toEqual(Object.keys({ ...source }))
  expect(copy).toStrictEqual({ ...source })
  expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
}

describe('one-level copies by key list', () => {
  it('copy what a spread copies, for the same and for different key lists', () => {
    const copier = new ShapeCopier()
    const profile = (id: string) => ({
      id,
      traits: { orders: 1 },
      segments: ['a'],
      interests: {},
      consents: {},
      createdAt: 't',
      updatedAt: 't',
    })
    for (let i = 0; i < 5; i++) expectSameAsSpread(copier, profile(`p${i}`))
    expectSameAsSpread(copier, { ...profile('x'), extra: { deep: [1] } })
    expectSameAsSpread(copier, { b: 1, 2: 'two', a: 2, 1: 'one' })
    expectSameAsSpread(copier, { 'quote"d': 1, 'back\\slash': 2, 'line\u2028sep': 3, '': 4 })
    expectSameAsSpread(copier, {})
  })

  it('leave the source as it was and share what lies below the first level', () => {
    const copier = new ShapeCopier()
    const source = { traits: { orders: 1 }, tier: 'gold' }
    const copy = copier.copy(source)
    copy.tier = 'silver'
    expect(source.tier).toBe('gold')
    expect(copy.traits).toBe(source.traits)
  })

  it('still copy right past the key lists and sizes it compiles copiers for', () => {
    const copier = new ShapeCopier()
    for (let i = 0; i < 100; i++) expectSameAsSpread(copier, { [`k${i}`]: i, shared: true })
    const wide: Record<string, unknown> = {}
    for (let i = 0; i < 50; i++) wide[`key${i}`] = i
    expectSameAsSpread(copier, wide)
  })

  it('read getters as a spread does', () => {
    const copier = new ShapeCopier()
    let reads = 0
    const source = Object.defineProperty({ a: 1 }, 'b', {
      get: () => ++reads,
      enumerable: true,
    }) as Record<string, unknown>
    expect(copier.copy(source)).toEqual({ a: 1, b: 1 })
    expect(copier.copy(source)).toEqual({ a: 1, b: 2 })
  })
})
