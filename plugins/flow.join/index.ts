import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin({
  id: 'flow.join',
  version: '1.0.0',
  name: 'Join',
  description: 'Waits for every active branch, then sends their payloads together',
  group: 'Flow control',
  icon: 'merge',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: { type: 'object', properties: {}, additionalProperties: false },
  defaultConfig: {},
  docs: {
    markdown:
      'Runs once after every inbound branch has delivered or been deactivated, and sends `{ <sourceNodeId>: payload, … }` with one entry per branch that delivered (a list when one node delivered several payloads). It always behaves as `join: "all"`.',
    inputs: { payload: 'Connect every branch to join here.' },
    outputs: { payload: 'An object keyed by the id of each node that delivered.' },
  },
  testTemplate: { config: {}, payload: { a: 1, b: 2 }, expect: { port: 'payload' } },
  reusable: true,
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
