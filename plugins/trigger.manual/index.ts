import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin({
  id: 'trigger.manual',
  version: '1.0.0',
  name: 'Manual start',
  description: 'Starts the flow with the event you run it with',
  group: 'Triggers',
  icon: 'play',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: { type: 'object', properties: {}, additionalProperties: false },
  defaultConfig: {},
  docs: {
    markdown:
      'The entry point for flows run by hand, from the test bench, the CLI or the API. It sends the event on.',
    outputs: { payload: 'The event that started the run.' },
  },
  testTemplate: {
    config: {},
    payload: { type: 'manual', properties: { total: 10 } },
    expect: { port: 'payload' },
  },
  reusable: true,
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
