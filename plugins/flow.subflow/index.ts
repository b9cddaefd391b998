import { definePlugin } from '../../src-shared/plugin-sdk'

interface Config {
  flowId: string
  input?: string
  inheritContext?: boolean
}

export default definePlugin<Config>({
  id: 'flow.subflow',
  version: '1.0.0',
  name: 'Run subflow',
  description: 'Runs another flow and sends on its result',
  group: 'Flow control',
  icon: 'layers',
  inputs: ['payload'],
  outputs: ['result'],
  expressionFields: [{ field: 'input', kind: 'expression' }],
  configSchema: {
    type: 'object',
    properties: {
      flowId: { type: 'string', title: 'Flow id', minLength: 1 },
      input: {
        type: 'string',
        title: 'Input',
        description: 'An expression; its value starts the child flow (default: the payload)',
      },
      inheritContext: { type: 'boolean', title: "Start with a copy of this flow's context" },
    },
    required: ['flowId'],
    additionalProperties: false,
  },
  defaultConfig: { flowId: '', input: 'payload', inheritContext: false },
  form: [
    {
      title: 'Child flow',
      fields: [
        { field: 'flowId' },
        { field: 'input', widget: 'expression' },
        { field: 'inheritContext', widget: 'checkbox' },
      ],
    },
  ],
  docs: {
    markdown:
      'Runs the flow **Flow id** with the same event, profile and session (its changes to them are part of this run). The child starts with the value of **Input**; with **inherit context** its `flow` context starts as a copy of this one. Its result is what its `flow.end` node returns, else its `flow` context. A failing child is an error of this node. Nesting is limited to stop runaway recursion.',
    inputs: { payload: 'Any value.' },
    outputs: { result: "The child flow's result." },
  },
  testTemplate: { config: { flowId: 'missing-flow' }, payload: {}, expect: { port: 'error' } },
  create: () => ({
    async run(payload, ctx, config) {
      const input = config.input ? ctx.evaluate(config.input) : payload
      const outcome = await ctx.runSubflow(config.flowId, {
        input,
        inheritContext: config.inheritContext ?? false,
      })
      if (outcome.status !== 'succeeded') {
        const reason = outcome.errors
          .map((e) => (e.nodeId ? `${e.nodeId}: ${e.message}` : e.message))
          .join('; ')
        throw Object.assign(new Error(`Subflow "${config.flowId}" ${outcome.status}: ${reason}`), {
          code: 'subflow-failed',
        })
      }
      return { port: 'result', value: outcome.result ?? {} }
    },
  }),
})
