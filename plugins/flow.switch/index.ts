import { deepEqual } from '../../src-shared/expr/values'
import { definePlugin } from '../../src-shared/plugin-sdk'

interface Config {
  value: string
  cases: { port: string; equals: unknown }[]
}

/** As the expression language's `==`: structural, so key order in objects does not matter. */
const same = (a: unknown, b: unknown): boolean => deepEqual(a, b)

export default definePlugin<Config>({
  id: 'flow.switch',
  version: '1.0.0',
  name: 'Switch',
  description: 'Routes the payload to the first case that matches a value',
  group: 'Flow control',
  icon: 'split',
  inputs: ['payload'],
  outputs: ['default'],
  dynamicOutputs: { list: 'cases', key: 'port' },
  expressionFields: [{ field: 'value', kind: 'expression' }],
  configSchema: {
    type: 'object',
    properties: {
      value: {
        type: 'string',
        title: 'Value',
        minLength: 1,
        description: 'An expression whose result is compared with each case',
      },
      cases: {
        type: 'array',
        title: 'Cases',
        items: {
          type: 'object',
          properties: {
            port: {
              type: 'string',
              title: 'Port',
              pattern: '^[A-Za-z_][A-Za-z0-9_-]*$',
              not: { enum: ['default', 'error'] },
            },
            equals: { title: 'Equals' },
          },
          required: ['port', 'equals'],
          additionalProperties: false,
        },
      },
    },
    required: ['value', 'cases'],
    additionalProperties: false,
  },
  defaultConfig: { value: 'event.properties.priority', cases: [{ port: 'high', equals: 'high' }] },
  form: [
    {
      title: 'Routing',
      fields: [
        { field: 'value', widget: 'expression' },
        { field: 'cases', widget: 'list' },
      ],
    },
  ],
  docs: {
    markdown:
      'Evaluates **Value** once and sends the payload to the port of the first case whose `equals` matches it exactly (same type and value). When no case matches, the payload goes to `default`. Each case adds an output port named by its `port`.',
    inputs: { payload: 'Any value; passed on unchanged.' },
    outputs: { default: 'The payload, when no case matches.' },
  },
  testTemplate: {
    config: {
      value: 'payload.priority',
      cases: [
        { port: 'high', equals: 'high' },
        { port: 'low', equals: 'low' },
      ],
    },
    payload: { priority: 'low' },
    expect: { port: 'low' },
  },
  reusable: true,
  create: () => ({
    run(payload, ctx, config) {
      const value = ctx.evaluate(config.value)
      const match = config.cases.find((c) => same(c.equals, value))
      return { port: match ? match.port : 'default', value: payload }
    },
  }),
})
