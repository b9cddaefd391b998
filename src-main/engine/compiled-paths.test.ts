import { describe, expect, it } from 'vitest'
import { compileExpression, readPath } from '../../src-shared/expr'
import './node-context'

/** Data a path walk must treat as values.ts `step` does: own data of plain objects and arrays only. */
function tricky(): Record<string, unknown> {
  const nullProto = Object.create(null) as Record<string, unknown>
  nullProto.a = { b: 'null-proto' }
  const inherited = Object.create({ a: { b: 'inherited' } }) as Record<string, unknown>
  class Box {
    a = { b: 'class instance' }
  }
  return {
    plain: { a: { b: 'plain' } },
    nullProto,
    inherited,
    instance: new Box(),
    list: { a: [{ b: 'in a list' }] },
    fn: { a: { b: () => 'function' } },
    ownConstructor: { constructor: 'data', a: { b: 'own constructor key' } },
    missing: { a: {} },
  }
}

describe('paths compiled by the engine', () => {
  it('read what the uncompiled walk reads, before and after they are compiled', () => {
    const data = tricky()
    for (const name of Object.keys(data)) {
      const expected = readPath(data, [name, 'a', 'b'])
      const evaluator = compileExpression(`event.${name}.a.b`)
      const indexed = compileExpression(`event.${name}.a[0].b`)
      // Evaluated often enough to be compiled, and once more after.
      for (let i = 0; i < 5; i++) {
        expect(evaluator({ event: data })).toEqual(expected)
        expect(indexed({ event: data })).toEqual(readPath(data, [name, 'a', '0', 'b']))
      }
    }
    expect(readPath(data, ['plain', 'a', 'b'])).toBe('plain')
    expect(readPath(data, ['nullProto', 'a', 'b'])).toBe('null-proto')
    expect(readPath(data, ['list', 'a', '0', 'b'])).toBe('in a list')
    expect(readPath(data, ['inherited', 'a', 'b'])).toBeNull()
    expect(readPath(data, ['instance', 'a', 'b'])).toBeNull()
    expect(readPath(data, ['fn', 'a', 'b'])).toBeNull()
  })
})
