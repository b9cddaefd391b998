import { definePlugin } from '../../src-shared/plugin-sdk'
import type { LogLevel } from '../../src-shared/plugin-sdk'

export default definePlugin<{ level: LogLevel; message: string }>({
  id: 'flow.log',
  version: '1.0.0',
  name: 'Log',
  description: "Writes a message to the node's logs",
  group: 'Flow control',
  icon: 'scroll-text',
  inputs: ['payload'],
  outputs: ['payload'],
  expressionFields: [{ field: 'message', kind: 'template' }],
  configSchema: {
    type: 'object',
    properties: {
      level: { enum: ['debug', 'info', 'warn', 'error'], title: 'Level' },
      message: {
        type: 'string',
        title: 'Message',
        description: 'Text with {{ expression }} parts',
      },
    },
    required: ['message'],
    additionalProperties: false,
  },
  defaultConfig: { level: 'info', message: 'Received {{ event.type }}' },
  form: [
    {
      title: 'Log',
      fields: [
        { field: 'level', widget: 'select' },
        { field: 'message', widget: 'template' },
      ],
    },
  ],
  docs: {
    markdown:
      'Renders **Message** and adds it to the run report at **Level**, then sends the payload on.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload, unchanged.' },
  },
  testTemplate: {
    config: { message: 'total {{ payload.total }}' },
    payload: { total: 3 },
    expect: { port: 'payload', value: { total: 3 } },
  },
  reusable: true,
  create: () => ({
    run(payload, ctx, config) {
      const text = ctx.template(config.message)
      ctx.log(config.level ?? 'info', typeof text === 'string' ? text : JSON.stringify(text))
      return { port: 'payload', value: payload }
    },
  }),
})
