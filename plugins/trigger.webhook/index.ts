import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin({
  id: 'trigger.webhook',
  version: '1.0.0',
  name: 'Webhook',
  description: 'Starts the flow when JSON is posted to /hooks/<path>',
  group: 'Triggers',
  icon: 'webhook',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', title: 'Path', pattern: '^[A-Za-z0-9][A-Za-z0-9._~/-]*$', description: 'Served at POST /hooks/<path>' },
      methods: { type: 'array', title: 'Methods', items: { enum: ['POST', 'PUT', 'PATCH'] }, minItems: 1, uniqueItems: true },
      eventType: { type: 'string', title: 'Event type', minLength: 1 },
      token: { type: 'string', title: 'Token', description: 'When set, callers must send it in X-Flowbench-Token (or as a bearer token when the server has no token of its own).' },
      waitForRun: { type: 'boolean', title: 'Respond with the run report', description: 'Otherwise the hook answers 202 as soon as the event is journaled.' },
      profileIdField: { type: 'string', title: 'Profile id field', description: 'Body field or header (prefix "header:") carrying the profile id' },
      sessionIdField: { type: 'string', title: 'Session id field', description: 'Body field or header (prefix "header:") carrying the session id' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  defaultConfig: { path: 'my-hook', methods: ['POST'], eventType: 'webhook', waitForRun: false },
  form: [
    { title: 'Endpoint', fields: [{ field: 'path' }, { field: 'methods', widget: 'list' }, { field: 'token' }, { field: 'waitForRun', widget: 'checkbox' }] },
    { title: 'Event', fields: [{ field: 'eventType' }, { field: 'profileIdField' }, { field: 'sessionIdField' }] },
  ],
  docs: {
    markdown:
      'Served by `flowbench serve` and the app\'s local runner at `POST /hooks/<path>`. The JSON body becomes the event\'s `properties`; the event type comes from **Event type** (default `webhook`).',
    outputs: { payload: 'The event built from the request.' },
  },
  testTemplate: { config: { path: 'orders' }, payload: { type: 'webhook', properties: { id: 1 } }, expect: { port: 'payload' } },
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
