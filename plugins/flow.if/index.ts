import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin<{ condition: string }>({
  id: 'flow.if',
  version: '1.0.0',
  name: 'If',
  description: 'Sends the payload to true or false by a condition',
  group: 'Flow control',
  icon: 'git-branch',
  inputs: ['payload'],
  outputs: ['true', 'false'],
  expressionFields: [{ field: 'condition', kind: 'expression' }],
  configSchema: {
    type: 'object',
    properties: {
      condition: {
        type: 'string',
        title: 'Condition',
        minLength: 1,
        description: 'An expression, e.g. event.properties.total > 100',
      },
    },
    required: ['condition'],
    additionalProperties: false,
  },
  defaultConfig: { condition: 'event.properties.total > 100' },
  form: [{ title: 'Condition', fields: [{ field: 'condition', widget: 'expression' }] }],
  docs: {
    markdown:
      'Evaluates **Condition** and sends the payload to `true` when the result is truthy, otherwise to `false`. Missing values read as `null`, so `profile.traits.vip == true` is false for a new profile.',
    inputs: { payload: 'Any value; passed on unchanged.' },
    outputs: {
      true: 'The payload, when the condition holds.',
      false: 'The payload, when it does not.',
    },
  },
  testTemplate: {
    config: { condition: 'payload.total > 100' },
    payload: { total: 150 },
    expect: { port: 'true', value: { total: 150 } },
  },
  reusable: true,
  create: () => {
    let condition = ''
    return {
      setUp(config) {
        condition = config.condition
      },
      run(payload, ctx) {
        return { port: ctx.evaluate(condition) ? 'true' : 'false', value: payload }
      },
    }
  },
})
