import type { Ref } from '../../src-shared/expr'
import { isRef, parseRef } from '../../src-shared/expr'
import { definePlugin } from '../../src-shared/plugin-sdk'
import type { PluginContext } from '../../src-shared/plugin-sdk'

/** A value that is a reference or holds `{{ }}` is resolved; anything else is taken literally. */
export function needsResolving(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('{{') || isRef(value))
}

export function resolveValue(value: unknown, ctx: PluginContext): unknown {
  return needsResolving(value) ? ctx.resolve(value) : value
}

export default definePlugin<{ values: Record<string, unknown> }>({
  id: 'data.set',
  version: '1.0.0',
  name: 'Set values',
  description: 'Writes values into the profile, session, event, flow or payload',
  group: 'Data',
  icon: 'pencil-line',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      values: {
        type: 'object',
        title: 'Values',
        description: 'Target reference → value, e.g. "profile@traits.tier": "gold"',
        propertyNames: { pattern: '^(event|profile|session|flow|node|payload)@' },
      },
    },
    required: ['values'],
    additionalProperties: false,
  },
  defaultConfig: { values: { 'flow@total': 'event@properties.total' } },
  form: [
    {
      title: 'Values',
      fields: [
        {
          field: 'values',
          widget: 'key-value',
          help: 'Left: where to write (profile@traits.tier). Right: a value, a reference or a {{ template }}.',
        },
      ],
    },
  ],
  docs: {
    markdown:
      'For each entry, writes the value to the target reference. A value that is a reference (`event@properties.total`) is read from the state, a string with `{{ }}` is rendered, anything else is written as is. Writing to `payload@…` changes the payload sent on.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ writes).' },
  },
  testTemplate: {
    config: { values: { 'payload@tier': 'gold', 'payload@double': '{{ payload.total * 2 }}' } },
    payload: { total: 4 },
    expect: { port: 'payload', value: { total: 4, tier: 'gold', double: 8 } },
  },
  reusable: true,
  create: () => {
    // Parsed once at set-up (a reusable node is set up once per loaded flow), not on every run.
    let entries: { target: string | Ref; value: unknown; ref: Ref | null; dynamic: boolean }[] = []
    return {
      setUp(config) {
        entries = Object.entries(config.values).map(([target, value]) => ({
          target: parseRef(target) ?? target,
          value,
          ref: typeof value === 'string' ? parseRef(value) : null,
          dynamic: needsResolving(value),
        }))
      },
      run(_payload, ctx) {
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]!
          ctx.write(
            entry.target,
            entry.ref
              ? ctx.read(entry.ref)
              : entry.dynamic
                ? ctx.resolve(entry.value)
                : entry.value,
          )
        }
        return { port: 'payload', value: ctx.payload }
      },
    }
  },
})
