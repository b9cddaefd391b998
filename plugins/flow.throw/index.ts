import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin<{ message: string; code?: string }>({
  id: 'flow.throw',
  version: '1.0.0',
  name: 'Throw error',
  description: 'Fails with a message (or sends it to the error port)',
  group: 'Flow control',
  icon: 'triangle-alert',
  inputs: ['payload'],
  outputs: [],
  expressionFields: [{ field: 'message', kind: 'template' }],
  configSchema: {
    type: 'object',
    properties: {
      message: {
        type: 'string',
        title: 'Message',
        minLength: 1,
        description: 'Text with {{ expression }} parts',
      },
      code: { type: 'string', title: 'Error code', pattern: '^[a-z0-9][a-z0-9-]*$' },
    },
    required: ['message'],
    additionalProperties: false,
  },
  defaultConfig: { message: 'Stopped: {{ event.type }}' },
  form: [{ title: 'Error', fields: [{ field: 'message', widget: 'template' }, { field: 'code' }] }],
  docs: {
    markdown:
      'Always ends in an error with **Message**. Connect its `error` port to handle it; otherwise the run fails and nothing it changed is saved.',
    inputs: { payload: 'Any value.' },
  },
  testTemplate: { config: { message: 'boom' }, payload: {}, expect: { port: 'error' } },
  reusable: true,
  create: () => ({
    run(_payload, ctx, config) {
      const message = ctx.template(config.message)
      throw Object.assign(
        new Error(typeof message === 'string' ? message : JSON.stringify(message)),
        { code: config.code ?? 'thrown' },
      )
    },
  }),
})
