import jsonata from 'jsonata'
import type { Expression } from 'jsonata'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { LinearRegExp } from '../../src-shared/flow/linear-patterns'
import { REF_SCHEMA } from '../shared/schemas'

interface Config {
  expression: string
  to?: string
}

export default definePlugin<Config>({
  id: 'data.transform',
  version: '1.0.0',
  name: 'Transform (JSONata)',
  description: 'Reshapes data with a JSONata expression',
  group: 'Data',
  icon: 'shuffle',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      expression: {
        type: 'string',
        title: 'JSONata expression',
        minLength: 1,
        description: 'Sees { event, profile, session, flow, payload, nodes }',
      },
      to: { ...REF_SCHEMA, title: 'Also write to' },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  defaultConfig: { expression: '{ "total": $sum(payload.items.price) }' },
  form: [
    {
      title: 'Transform',
      fields: [
        { field: 'expression', widget: 'code', language: 'jsonata' },
        { field: 'to', widget: 'ref' },
      ],
    },
  ],
  docs: {
    markdown:
      'Evaluates **JSONata expression** against `{ event, profile, session, flow, payload, nodes }` and sends the result on. With **Also write to**, the result is written there too. A syntax error is reported with its position.',
    inputs: { payload: 'Any value; available to the expression as `payload`.' },
    outputs: { payload: 'The expression’s result.' },
  },
  testTemplate: {
    config: { expression: '{ "total": $sum(payload.items.price) }' },
    payload: { items: [{ price: 2 }, { price: 3 }] },
    expect: { port: 'payload', value: { total: 5 } },
  },
  create: () => {
    let compiled: Expression
    let to: string | undefined
    return {
      setUp(config) {
        try {
          // Regex literals in the expression run on the linear engine, never V8's backtracking one.
          compiled = jsonata(config.expression, {
            RegexEngine: LinearRegExp as unknown as RegExpConstructor,
          })
        } catch (error) {
          const e = error as { message: string; position?: number }
          throw Object.assign(
            new Error(`JSONata syntax error at position ${e.position ?? 0}: ${e.message}`),
            { code: 'invalid-expression' },
          )
        }
        to = config.to
      },
      async run(payload, ctx) {
        const { event, profile, session, flow, nodes } = ctx.state
        let result: unknown
        try {
          result = await compiled.evaluate({ event, profile, session, flow, nodes, payload })
        } catch (error) {
          const e = error as { message: string; position?: number }
          throw Object.assign(
            new Error(`JSONata failed at position ${e.position ?? 0}: ${e.message}`),
            { code: 'transform-error' },
          )
        }
        // JSONata marks sequences with extra properties; plain JSON is what flows carry.
        const value = result === undefined ? null : JSON.parse(JSON.stringify(result))
        if (to) ctx.write(to, value)
        return { port: 'payload', value }
      },
    }
  },
})
