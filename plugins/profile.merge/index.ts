import { definePlugin } from '../../src-shared/plugin-sdk'
import { resolveValue } from '../data.set'

interface Config {
  traits: Record<string, unknown>
  strategy?: 'overwrite' | 'keep-existing'
}

export default definePlugin<Config>({
  id: 'profile.merge',
  version: '1.0.0',
  name: 'Update profile traits',
  description: 'Merges values into the profile’s traits',
  group: 'Profile',
  icon: 'user-cog',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      traits: {
        type: 'object',
        title: 'Traits',
        description: 'Trait name → value, reference or {{ template }}',
      },
      strategy: { enum: ['overwrite', 'keep-existing'], title: 'When a trait already has a value' },
    },
    required: ['traits'],
    additionalProperties: false,
  },
  defaultConfig: {
    traits: { email: 'event@properties.email', name: 'event@properties.name' },
    strategy: 'overwrite',
  },
  form: [
    {
      title: 'Traits',
      fields: [
        { field: 'traits', widget: 'key-value' },
        { field: 'strategy', widget: 'select' },
      ],
    },
  ],
  docs: {
    markdown:
      'For each entry, sets `profile.traits.<name>` to the value (references and `{{ }}` are resolved; a missing value is skipped). With **keep-existing**, traits that already have a value are left alone.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload, unchanged.' },
  },
  testTemplate: {
    config: { traits: { tier: 'gold' } },
    payload: { a: 1 },
    expect: { port: 'payload', value: { a: 1 } },
  },
  reusable: true,
  create: () => ({
    run(payload, ctx, config) {
      for (const [name, raw] of Object.entries(config.traits)) {
        const value = resolveValue(raw, ctx)
        if (value === null || value === undefined) continue
        const ref = `profile@traits.${name}`
        if (config.strategy === 'keep-existing' && ctx.read(ref) !== null) continue
        ctx.write(ref, value)
      }
      return { port: 'payload', value: payload }
    },
  }),
})
