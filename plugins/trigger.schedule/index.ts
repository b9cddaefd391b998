import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin({
  id: 'trigger.schedule',
  version: '1.0.0',
  name: 'Schedule',
  description: 'Starts the flow on a cron schedule or at a fixed interval',
  group: 'Triggers',
  icon: 'clock',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      cron: {
        type: 'string',
        title: 'Cron expression',
        description: 'Five or six fields, e.g. "0 * * * *" for hourly',
      },
      intervalMs: { type: 'integer', title: 'Interval (ms)', minimum: 1000 },
      timezone: { type: 'string', title: 'Time zone' },
      eventType: { type: 'string', title: 'Event type', minLength: 1 },
      properties: { type: 'object', title: 'Event properties' },
    },
    oneOf: [{ required: ['cron'] }, { required: ['intervalMs'] }],
    additionalProperties: false,
  },
  defaultConfig: { cron: '0 * * * *', eventType: 'schedule' },
  form: [
    {
      title: 'When',
      fields: [{ field: 'cron' }, { field: 'intervalMs', widget: 'number' }, { field: 'timezone' }],
    },
    { title: 'Event', fields: [{ field: 'eventType' }, { field: 'properties', widget: 'json' }] },
  ],
  docs: {
    markdown:
      'Runs the flow by **Cron expression** or every **Interval** milliseconds (give one of the two) while the flow is served. Each tick creates an event of **Event type** (default `schedule`).',
    outputs: { payload: 'The scheduled event.' },
  },
  testTemplate: {
    config: { intervalMs: 60000 },
    payload: { type: 'schedule', properties: {} },
    expect: { port: 'payload' },
  },
  reusable: true,
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
