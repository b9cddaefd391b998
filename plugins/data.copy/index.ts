import type { Ref } from '../../src-shared/expr'
import { parseRef } from '../../src-shared/expr'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { REF_SCHEMA } from '../shared/schemas'

export default definePlugin<{ from: string; to: string }>({
  id: 'data.copy',
  version: '1.0.0',
  name: 'Copy value',
  description: 'Copies a value from one reference to another',
  group: 'Data',
  icon: 'copy',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: { from: { ...REF_SCHEMA, title: 'From' }, to: { ...REF_SCHEMA, title: 'To' } },
    required: ['from', 'to'],
    additionalProperties: false,
  },
  defaultConfig: { from: 'event@properties.email', to: 'profile@traits.email' },
  form: [
    {
      title: 'Copy',
      fields: [
        { field: 'from', widget: 'ref' },
        { field: 'to', widget: 'ref' },
      ],
    },
  ],
  docs: {
    markdown:
      'Reads **From** and writes a copy of the value to **To**. A missing value copies as `null`.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ writes).' },
  },
  testTemplate: {
    config: { from: 'payload@a', to: 'payload@b' },
    payload: { a: 1 },
    expect: { port: 'payload', value: { a: 1, b: 1 } },
  },
  reusable: true,
  create: () => {
    // Parsed once at set-up; a text that is no reference stays text, for read/write to refuse.
    let from: string | Ref = ''
    let to: string | Ref = ''
    return {
      setUp(config) {
        from = parseRef(config.from) ?? config.from
        to = parseRef(config.to) ?? config.to
      },
      run(_payload, ctx) {
        const value = ctx.read(from)
        ctx.write(to, value === null || typeof value !== 'object' ? value : structuredClone(value))
        return { port: 'payload', value: ctx.payload }
      },
    }
  },
})
