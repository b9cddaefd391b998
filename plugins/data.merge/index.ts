import { definePlugin } from '../../src-shared/plugin-sdk'
import { resolveValue } from '../data.set'
import { REF_SCHEMA } from '../shared/schemas'

interface Config {
  into: string
  from: unknown
  deep?: boolean
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Merges b into a copy of a; nested objects merge when deep, arrays and other values are replaced. */
export function merge(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  deep: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a }
  for (const [key, value] of Object.entries(b)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue
    out[key] =
      deep && isObject(out[key]) && isObject(value)
        ? merge(out[key] as Record<string, unknown>, value, true)
        : structuredClone(value)
  }
  return out
}

export default definePlugin<Config>({
  id: 'data.merge',
  version: '1.0.0',
  name: 'Merge objects',
  description: 'Merges an object into the object at a reference',
  group: 'Data',
  icon: 'combine',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      into: { ...REF_SCHEMA, title: 'Into' },
      from: { title: 'From', description: 'An object, or a reference to one' },
      deep: { type: 'boolean', title: 'Merge nested objects too' },
    },
    required: ['into', 'from'],
    additionalProperties: false,
  },
  defaultConfig: { into: 'profile@traits', from: 'event@properties.customer', deep: true },
  form: [
    {
      title: 'Merge',
      fields: [
        { field: 'into', widget: 'ref' },
        { field: 'from', widget: 'json' },
        { field: 'deep', widget: 'checkbox' },
      ],
    },
  ],
  docs: {
    markdown:
      'Merges **From** (an object, or a reference to one) into the object at **Into**, which is created when missing. With **deep**, nested objects are merged too; lists and other values are replaced.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ writes).' },
  },
  testTemplate: {
    config: { into: 'payload@a', from: { y: 2 }, deep: true },
    payload: { a: { x: 1 } },
    expect: { port: 'payload', value: { a: { x: 1, y: 2 } } },
  },
  reusable: true,
  create: () => ({
    run(_payload, ctx, config) {
      const from = resolveValue(config.from, ctx)
      if (!isObject(from))
        throw Object.assign(new Error(`"From" must be an object, got ${JSON.stringify(from)}`), {
          code: 'not-an-object',
        })
      const current = ctx.read(config.into)
      if (current !== null && !isObject(current))
        throw Object.assign(
          new Error(`${config.into} holds ${JSON.stringify(current)}, not an object`),
          { code: 'not-an-object' },
        )
      ctx.write(config.into, merge(current ?? {}, from, config.deep ?? true))
      return { port: 'payload', value: ctx.payload }
    },
  }),
})
