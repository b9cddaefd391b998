import type { Ref } from '../../src-shared/expr'
import { parseRef } from '../../src-shared/expr'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { needsResolving } from '../data.set'
import { REF_SCHEMA } from '../shared/schemas'

export default definePlugin<{ path: string; by?: number | string }>({
  id: 'data.increment',
  version: '1.0.0',
  name: 'Increment',
  description: 'Adds a number to the value at a reference',
  group: 'Data',
  icon: 'plus',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      path: { ...REF_SCHEMA, title: 'Counter' },
      by: {
        title: 'By',
        description: 'A number, or a reference / {{ template }} giving one',
        anyOf: [{ type: 'number' }, { type: 'string', minLength: 1 }],
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  defaultConfig: { path: 'profile@traits.purchases', by: 1 },
  form: [{ title: 'Increment', fields: [{ field: 'path', widget: 'ref' }, { field: 'by' }] }],
  docs: {
    markdown:
      'Adds **By** (default 1; negative to decrement) to the number at **Counter**. A missing value counts as 0; a value that is not a number is an error.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ writes).' },
  },
  testTemplate: {
    config: { path: 'payload@count', by: 2 },
    payload: { count: 1 },
    expect: { port: 'payload', value: { count: 3 } },
  },
  reusable: true,
  create: () => {
    let by: unknown = 1
    let byIsDynamic = false
    // Parsed once at set-up (a reusable node is set up once per loaded flow).
    let byRef: Ref | null = null
    let path: string | Ref = ''
    return {
      setUp(c) {
        by = c.by ?? 1
        byIsDynamic = needsResolving(by)
        byRef = typeof by === 'string' ? parseRef(by) : null
        path = parseRef(c.path) ?? c.path
      },
      run(_payload, ctx, config) {
        const current = ctx.read(path)
        const amount = byRef ? ctx.read(byRef) : byIsDynamic ? ctx.resolve(by) : by
        if (typeof amount !== 'number' || !Number.isFinite(amount)) {
          throw Object.assign(new Error(`"By" must be a number, got ${JSON.stringify(amount)}`), {
            code: 'not-a-number',
          })
        }
        if (current !== null && (typeof current !== 'number' || !Number.isFinite(current))) {
          throw Object.assign(
            new Error(`${config.path} holds ${JSON.stringify(current)}, not a number`),
            { code: 'not-a-number' },
          )
        }
        ctx.write(path, (current ?? 0) + amount)
        return { port: 'payload', value: ctx.payload }
      },
    }
  },
})
