import { definePlugin } from '../../src-shared/plugin-sdk'

interface Config {
  eventTypes: string[]
}

export default definePlugin<Config>({
  id: 'trigger.event',
  version: '1.0.0',
  name: 'Event',
  description: 'Starts the flow for events of the listed types',
  group: 'Triggers',
  icon: 'zap',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      eventTypes: {
        type: 'array',
        title: 'Event types',
        description: 'The event types that start this flow. Leave empty to accept every type.',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
      },
    },
    required: ['eventTypes'],
    additionalProperties: false,
  },
  defaultConfig: { eventTypes: ['purchase'] },
  form: [
    { title: 'Events', fields: [{ field: 'eventTypes', widget: 'list', label: 'Event types' }] },
  ],
  docs: {
    markdown:
      'Sends the event on only when its `type` is one of **Event types**. Any other event ends the run as succeeded with nothing done. An empty list accepts every event.',
    outputs: { payload: 'The event, when its type is listed.' },
  },
  testTemplate: {
    config: { eventTypes: ['purchase'] },
    payload: { type: 'purchase', properties: {} },
    state: { event: { type: 'purchase' } },
    expect: { port: 'payload' },
  },
  reusable: true,
  create: () => {
    let types: Set<string>
    return {
      setUp(config) {
        types = new Set(config.eventTypes ?? [])
      },
      run(payload, ctx) {
        if (types.size > 0 && !types.has(ctx.state.event.type)) {
          ctx.log(
            'info',
            `Event type "${ctx.state.event.type}" is not one of: ${[...types].join(', ')}`,
          )
          return
        }
        return { port: 'payload', value: payload }
      },
    }
  },
})
