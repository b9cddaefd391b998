import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin<{ ms: number }>({
  id: 'flow.sleep',
  version: '1.0.0',
  name: 'Wait',
  description: 'Waits a number of milliseconds',
  group: 'Flow control',
  icon: 'timer',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: { ms: { type: 'integer', title: 'Milliseconds', minimum: 0, maximum: 3600000 } },
    required: ['ms'],
    additionalProperties: false,
  },
  defaultConfig: { ms: 100 },
  form: [{ title: 'Wait', fields: [{ field: 'ms', widget: 'number' }] }],
  docs: {
    markdown:
      'Waits **Milliseconds**, then sends the payload on. Cancelling the run ends the wait at once.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload, unchanged.' },
  },
  testTemplate: {
    config: { ms: 1 },
    payload: { a: 1 },
    expect: { port: 'payload', value: { a: 1 } },
  },
  create: () => {
    let ms = 0
    return {
      setUp(config) {
        ms = config.ms
      },
      run(payload, ctx) {
        return new Promise((resolve, reject) => {
          if (ctx.signal.aborted) return reject(new Error('Cancelled'))
          const timer = setTimeout(() => {
            ctx.signal.removeEventListener('abort', onAbort)
            resolve({ port: 'payload', value: payload })
          }, ms)
          const onAbort = () => {
            clearTimeout(timer)
            reject(new Error('Cancelled'))
          }
          ctx.signal.addEventListener('abort', onAbort, { once: true })
        })
      },
    }
  },
})
