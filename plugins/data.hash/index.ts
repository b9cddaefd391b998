import { createHash } from 'node:crypto'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { REF_SCHEMA } from '../shared/schemas'

interface Config {
  paths: string[]
  algorithm?: 'sha256' | 'sha1' | 'md5'
  salt?: string
}

export default definePlugin<Config>({
  id: 'data.hash',
  version: '1.0.0',
  name: 'Hash values',
  description: 'Replaces values with their hash (e.g. to pseudonymise e-mails)',
  group: 'Data',
  icon: 'hash',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      paths: { type: 'array', title: 'References', items: REF_SCHEMA, minItems: 1 },
      algorithm: { enum: ['sha256', 'sha1', 'md5'], title: 'Algorithm' },
      salt: { type: 'string', title: 'Salt' },
    },
    required: ['paths'],
    additionalProperties: false,
  },
  defaultConfig: { paths: ['profile@traits.email'], algorithm: 'sha256' },
  form: [
    {
      title: 'Hash',
      fields: [
        { field: 'paths', widget: 'list' },
        { field: 'algorithm', widget: 'select' },
        { field: 'salt' },
      ],
    },
  ],
  docs: {
    markdown:
      'Replaces the value at each reference with its hex hash (**Salt** prepended). Text is hashed as is, other values as JSON. Missing values are left missing.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ values hashed).' },
  },
  testTemplate: {
    config: { paths: ['payload@email'], algorithm: 'sha256' },
    payload: { email: 'ann@example.com' },
    expect: {
      port: 'payload',
      value: { email: '71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476' },
    },
  },
  reusable: true,
  create: () => ({
    run(_payload, ctx, config) {
      for (const ref of config.paths) {
        const value = ctx.read(ref)
        if (value === null) continue
        const text = typeof value === 'string' ? value : JSON.stringify(value)
        ctx.write(
          ref,
          createHash(config.algorithm ?? 'sha256')
            .update((config.salt ?? '') + text)
            .digest('hex'),
        )
      }
      return { port: 'payload', value: ctx.payload }
    },
  }),
})
