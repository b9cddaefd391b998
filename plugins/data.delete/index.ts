import { definePlugin } from '../../src-shared/plugin-sdk'
import { REF_SCHEMA } from '../shared/schemas'

export default definePlugin<{ paths: string[] }>({
  id: 'data.delete',
  version: '1.0.0',
  name: 'Delete values',
  description: 'Removes values at references',
  group: 'Data',
  icon: 'eraser',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: { paths: { type: 'array', title: 'References', items: REF_SCHEMA, minItems: 1 } },
    required: ['paths'],
    additionalProperties: false,
  },
  defaultConfig: { paths: ['profile@traits.temporary'] },
  form: [{ title: 'Delete', fields: [{ field: 'paths', widget: 'list' }] }],
  docs: {
    markdown: 'Deletes the value at each reference. A missing value is not an error.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (without deleted payload@ values).' },
  },
  testTemplate: {
    config: { paths: ['payload@a'] },
    payload: { a: 1, b: 2 },
    expect: { port: 'payload', value: { b: 2 } },
  },
  reusable: true,
  create: () => {
    let paths: string[] = []
    return {
      setUp(config) {
        paths = config.paths
      },
      run(_payload, ctx) {
        for (const ref of paths) ctx.remove(ref)
        return { port: 'payload', value: ctx.payload }
      },
    }
  },
})
