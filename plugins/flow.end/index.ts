import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin<{ result?: string }>({
  id: 'flow.end',
  version: '1.0.0',
  name: 'End',
  description: "Ends a branch; in a child flow, sets the flow's result",
  group: 'Flow control',
  icon: 'square',
  inputs: ['payload'],
  outputs: [],
  expressionFields: [{ field: 'result', kind: 'expression' }],
  configSchema: {
    type: 'object',
    properties: {
      result: { type: 'string', title: 'Result', description: 'An expression (optional)' },
    },
    additionalProperties: false,
  },
  defaultConfig: {},
  form: [{ title: 'Result', fields: [{ field: 'result', widget: 'expression' }] }],
  docs: {
    markdown:
      "Ends this branch. In a flow run by **Run subflow**, the value of **Result** becomes the child flow's result (without it, the child's `flow` context is the result).",
    inputs: { payload: 'Any value.' },
  },
  testTemplate: {
    config: { result: 'payload.total' },
    payload: { total: 5 },
    expect: { port: null },
  },
  reusable: true,
  create: () => {
    let result: string | undefined
    return {
      setUp(config) {
        result = config.result
      },
      run(_payload, ctx) {
        if (result) ctx.setResult(ctx.evaluate(result))
      },
    }
  },
})
