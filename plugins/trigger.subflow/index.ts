import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin({
  id: 'trigger.subflow',
  version: '1.0.0',
  name: 'Subflow input',
  description: 'Entry point of a flow that other flows call',
  group: 'Triggers',
  icon: 'log-in',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      inputSchema: {
        type: 'object',
        title: 'Input schema',
        description: 'JSON Schema of the input this flow expects (documentation for callers).',
      },
      description: { type: 'string', title: 'What callers must send' },
    },
    additionalProperties: false,
  },
  defaultConfig: {},
  form: [
    {
      title: 'Input',
      fields: [
        { field: 'description', widget: 'textarea' },
        { field: 'inputSchema', widget: 'json' },
      ],
    },
  ],
  docs: {
    markdown:
      'Declares the input a child flow expects. When another flow runs this one through **Run subflow**, the value of its `input` expression arrives here. Run on its own, it sends the event.',
    outputs: { payload: 'The input the calling flow sent (or the event when run directly).' },
  },
  testTemplate: {
    config: {},
    payload: { type: 'subflow', properties: { sku: 'A-1' } },
    expect: { port: 'payload' },
  },
  reusable: true,
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
