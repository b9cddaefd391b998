import { Validator } from '@cfworker/json-schema'
import type { Schema } from '@cfworker/json-schema'
import { describe, expect, it } from 'vitest'
import { builtinPlugins } from '../../plugins'
import { compileFastSchema } from './fast-schema'
import { EDGE_SCHEMA, NODE_SCHEMA, TEST_CASE_SCHEMA } from './schema'

const samples: unknown[] = [
  null,
  0,
  1.5,
  -3,
  'x',
  '',
  true,
  [],
  [1, 'a'],
  {},
  { id: 'a', plugin: 'flow.if', position: { x: 1, y: 2 }, config: {} },
  { id: '', plugin: 'flow.if', position: { x: 1 }, config: [] },
  { id: 'a', plugin: 'x', position: { x: 1, y: 2 }, config: {}, colour: 'red' },
  { id: 'e', source: 'a', sourcePort: 'payload', target: 'b', targetPort: 'payload' },
  { condition: 'a > 1' },
  { condition: 42 },
  { values: { 'flow@x': 1 } },
  { values: { nope: 1 } },
  { eventTypes: ['a', 'a'] },
  { eventTypes: [] },
  { value: 'x', cases: [{ port: 'high', equals: 'high' }] },
  { value: 'x', cases: [{ port: 'default', equals: 1 }] },
  { path: 'profile@traits.x', by: 'event@properties.n' },
  { path: 'profile@traits.x', by: true },
  { ms: -1 },
  { ms: 10 },
  { intervalMs: 5000 },
  { cron: '* * * * *', intervalMs: 5000 },
  { name: 'case', event: {}, expect: { status: 'succeeded', reached: ['a'] } },
  { name: 'case', event: {}, expect: { status: 'maybe' } },
]

describe('the fast schema validator', () => {
  const schemas: unknown[] = [
    NODE_SCHEMA,
    EDGE_SCHEMA,
    TEST_CASE_SCHEMA,
    ...builtinPlugins.map((p) => p.configSchema),
  ]

  it('handles every schema the flow format and the built-in plugins use', () => {
    for (const schema of schemas)
      expect(compileFastSchema(schema), JSON.stringify(schema).slice(0, 80)).not.toBeNull()
  })

  it('agrees with @cfworker/json-schema on what is valid', () => {
    for (const schema of schemas) {
      const fast = compileFastSchema(schema)!
      const reference = new Validator(schema as Schema, '2020-12', false)
      for (const value of samples) {
        expect(
          fast.validate(value).valid,
          `${JSON.stringify(value)} against ${JSON.stringify(schema).slice(0, 60)}`,
        ).toBe(reference.validate(value).valid)
      }
    }
  })

  it('reports unknown fields the way the validator expects', () => {
    const result = compileFastSchema(NODE_SCHEMA)!.validate({
      id: 'a',
      plugin: 'x',
      position: { x: 1, y: 2 },
      config: {},
      colour: 'red',
    })
    expect(result.errors).toEqual([
      expect.objectContaining({
        keyword: 'additionalProperties',
        instanceLocation: '#',
        error: 'Property "colour" does not match additional properties schema.',
      }),
    ])
  })

  it('leaves schemas with other keywords to cfworker', () => {
    expect(compileFastSchema({ $ref: '#/$defs/x' })).toBeNull()
    expect(
      compileFastSchema({ type: 'object', if: { required: ['a'] }, then: { required: ['b'] } }),
    ).toBeNull()
  })
})
