import { definePlugin } from '../../src-shared/plugin-sdk'
import { resolveValue } from '../data.set'
import { deepEqual } from '../../src-shared/expr/values'
import { REF_SCHEMA } from '../shared/schemas'

export default definePlugin<{ to: string; value: unknown; unique?: boolean }>({
  id: 'data.append',
  version: '1.0.0',
  name: 'Append to list',
  description: 'Adds a value to a list, creating the list if missing',
  group: 'Data',
  icon: 'list-plus',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      to: { ...REF_SCHEMA, title: 'List' },
      value: { title: 'Value', description: 'A value, a reference or a {{ template }}' },
      unique: { type: 'boolean', title: 'Skip if already present' },
    },
    required: ['to', 'value'],
    additionalProperties: false,
  },
  defaultConfig: { to: 'profile@traits.purchases', value: 'event@properties.sku' },
  form: [
    {
      title: 'Append',
      fields: [
        { field: 'to', widget: 'ref' },
        { field: 'value', widget: 'json' },
        { field: 'unique', widget: 'checkbox' },
      ],
    },
  ],
  docs: {
    markdown:
      'Appends **Value** (resolved like in Set values) to the list at **List**. A missing list is created; a value that is not a list is an error.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ writes).' },
  },
  testTemplate: {
    config: { to: 'payload@list', value: 3 },
    payload: { list: [1, 2] },
    expect: { port: 'payload', value: { list: [1, 2, 3] } },
  },
  reusable: true,
  create: () => ({
    run(_payload, ctx, config) {
      const current = ctx.read(config.to)
      if (current !== null && !Array.isArray(current)) {
        throw Object.assign(new Error(`${config.to} holds ${typeof current}, not a list`), {
          code: 'not-a-list',
        })
      }
      const value = resolveValue(config.value, ctx)
      const list = current ? [...current] : []
      if (!config.unique || !list.some((item) => deepEqual(item, value))) list.push(value)
      ctx.write(config.to, list)
      return { port: 'payload', value: ctx.payload }
    },
  }),
})
