import { definePlugin } from '../../src-shared/plugin-sdk'
import { REF_SCHEMA } from '../shared/schemas'

interface Config {
  paths: string[]
  keepStart?: number
  keepEnd?: number
  char?: string
}

/** Masks text, keeping its ends; an e-mail keeps its first letter and its domain. */
export function mask(text: string, keepStart: number, keepEnd: number, char: string): string {
  const at = text.indexOf('@')
  if (at > 0 && at === text.lastIndexOf('@'))
    return text[0] + char.repeat(Math.max(3, at - 1)) + text.slice(at)
  if (text.length <= keepStart + keepEnd) return char.repeat(text.length)
  return (
    text.slice(0, keepStart) +
    char.repeat(text.length - keepStart - keepEnd) +
    (keepEnd > 0 ? text.slice(-keepEnd) : '')
  )
}

export default definePlugin<Config>({
  id: 'data.mask',
  version: '1.0.0',
  name: 'Mask values',
  description: 'Hides most of a value (card numbers, e-mails, phone numbers)',
  group: 'Data',
  icon: 'eye-off',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      paths: { type: 'array', title: 'References', items: REF_SCHEMA, minItems: 1 },
      keepStart: { type: 'integer', minimum: 0, title: 'Keep at the start' },
      keepEnd: { type: 'integer', minimum: 0, title: 'Keep at the end' },
      char: { type: 'string', minLength: 1, maxLength: 1, title: 'Mask character' },
    },
    required: ['paths'],
    additionalProperties: false,
  },
  defaultConfig: { paths: ['event@properties.cardNumber'], keepStart: 0, keepEnd: 4, char: '*' },
  form: [
    {
      title: 'Mask',
      fields: [
        { field: 'paths', widget: 'list' },
        { field: 'keepStart', widget: 'number' },
        { field: 'keepEnd', widget: 'number' },
        { field: 'char' },
      ],
    },
  ],
  docs: {
    markdown:
      'Replaces the value at each reference with a masked copy that keeps **Keep at the start** and **Keep at the end** characters. E-mail addresses keep their first letter and their domain (`a***@example.com`). Numbers are masked as text; missing values stay missing.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload (with any payload@ values masked).' },
  },
  testTemplate: {
    config: { paths: ['payload@card', 'payload@email'], keepEnd: 4 },
    payload: { card: '4111111111111111', email: 'ann@example.com' },
    expect: { port: 'payload', value: { card: '************1111', email: 'a***@example.com' } },
  },
  reusable: true,
  create: () => ({
    run(_payload, ctx, config) {
      for (const ref of config.paths) {
        const value = ctx.read(ref)
        if (value === null) continue
        const text = typeof value === 'string' ? value : JSON.stringify(value)
        ctx.write(ref, mask(text, config.keepStart ?? 0, config.keepEnd ?? 4, config.char ?? '*'))
      }
      return { port: 'payload', value: ctx.payload }
    },
  }),
})
