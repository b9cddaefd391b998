import { definePlugin } from '../../src-shared/plugin-sdk'

interface Config {
  consent: string
  granted?: boolean
  expiresAt?: string
}

export default definePlugin<Config>({
  id: 'profile.add-consent',
  version: '1.0.0',
  name: 'Record consent',
  description: 'Records a consent (granted or revoked) on the profile',
  group: 'Profile',
  icon: 'shield-check',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      consent: {
        type: 'string',
        title: 'Consent',
        minLength: 1,
        description: 'e.g. marketing, or a {{ template }}',
      },
      granted: { type: 'boolean', title: 'Granted' },
      expiresAt: {
        type: 'string',
        title: 'Expires at',
        description: 'An ISO date, a reference or a {{ template }}',
      },
    },
    required: ['consent'],
    additionalProperties: false,
  },
  defaultConfig: { consent: 'marketing', granted: true },
  form: [
    {
      title: 'Consent',
      fields: [
        { field: 'consent', widget: 'template' },
        { field: 'granted', widget: 'checkbox' },
        { field: 'expiresAt', widget: 'template' },
      ],
    },
  ],
  docs: {
    markdown:
      'Sets `profile.consents[<consent>]` to `{ granted, at, expiresAt? }`, where `at` is the event’s time. Recording a consent again replaces the earlier record.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload, unchanged.' },
  },
  testTemplate: {
    config: { consent: 'marketing', granted: true },
    payload: { a: 1 },
    expect: { port: 'payload', value: { a: 1 } },
  },
  reusable: true,
  create: () => ({
    run(payload, ctx, config) {
      const name = ctx.resolve(config.consent)
      if (typeof name !== 'string' || !name.trim())
        throw Object.assign(
          new Error(`The consent name must be text, got ${JSON.stringify(name)}`),
          { code: 'invalid-consent' },
        )
      const record: Record<string, unknown> = {
        granted: config.granted ?? true,
        at: ctx.state.event.time,
      }
      if (config.expiresAt) record.expiresAt = ctx.resolve(config.expiresAt)
      ctx.write(`profile@consents.${name.trim().replace(/\./g, '_')}`, record)
      return { port: 'payload', value: payload }
    },
  }),
})
