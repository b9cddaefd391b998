import { definePlugin } from '../../src-shared/plugin-sdk'
import type { PortResult } from '../../src-shared/plugin-sdk'

export default definePlugin<{ items: string }>({
  id: 'flow.for-each',
  version: '1.0.0',
  name: 'For each',
  description: 'Sends each element of a list, then the input when done',
  group: 'Flow control',
  icon: 'repeat',
  inputs: ['payload'],
  outputs: ['item', 'done'],
  expressionFields: [{ field: 'items', kind: 'expression' }],
  configSchema: {
    type: 'object',
    properties: {
      items: {
        type: 'string',
        title: 'Items',
        minLength: 1,
        description: 'An expression that gives a list',
      },
    },
    required: ['items'],
    additionalProperties: false,
  },
  defaultConfig: { items: 'payload.properties.items' },
  form: [{ title: 'Loop', fields: [{ field: 'items', widget: 'expression' }] }],
  docs: {
    markdown:
      'Evaluates **Items** and sends each element on `item` (the nodes after it run once per element, in order), then sends the input payload on `done`. A missing list counts as empty; anything else that is not a list is an error.',
    inputs: { payload: 'Any value.' },
    outputs: {
      item: 'Each element of the list, one at a time.',
      done: 'The input payload, after every element.',
    },
  },
  testTemplate: {
    config: { items: 'payload.list' },
    payload: { list: [1, 2] },
    expect: { port: 'item', value: 1 },
  },
  reusable: true,
  create: () => {
    let items = ''
    return {
      setUp(config) {
        items = config.items
      },
      run(payload, ctx) {
        const list = ctx.evaluate(items)
        if (list !== null && !Array.isArray(list))
          throw Object.assign(new Error(`"${items}" is not a list (got ${typeof list})`), {
            code: 'not-a-list',
          })
        const results: PortResult[] = (list ?? []).map((value) => ({ port: 'item', value }))
        results.push({ port: 'done', value: payload })
        return results
      },
    }
  },
})
