import type { Ref } from '../../src-shared/expr'
import { parseRef } from '../../src-shared/expr'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { REF_SCHEMA } from '../shared/schemas'

export default definePlugin<{ template: string; to?: string }>({
  id: 'data.template',
  version: '1.0.0',
  name: 'Template',
  description: 'Renders text from a template with {{ expression }} parts',
  group: 'Data',
  icon: 'file-text',
  inputs: ['payload'],
  outputs: ['payload'],
  expressionFields: [{ field: 'template', kind: 'template' }],
  configSchema: {
    type: 'object',
    properties: {
      template: {
        type: 'string',
        title: 'Template',
        description: 'Text with {{ expression }} parts',
      },
      to: { ...REF_SCHEMA, title: 'Also write to' },
    },
    required: ['template'],
    additionalProperties: false,
  },
  defaultConfig: { template: 'Hello {{ profile.traits.name }}' },
  form: [
    {
      title: 'Template',
      fields: [
        { field: 'template', widget: 'template' },
        { field: 'to', widget: 'ref' },
      ],
    },
  ],
  docs: {
    markdown:
      'Renders **Template** (values are inserted as text; lists and objects as JSON) and sends `{ text }`. With **Also write to**, the text is written there too.',
    inputs: { payload: 'Any value.' },
    outputs: { payload: '`{ "text": "…" }`' },
  },
  testTemplate: {
    config: { template: 'Total: {{ payload.total }}' },
    payload: { total: 7 },
    expect: { port: 'payload', value: { text: 'Total: 7' } },
  },
  reusable: true,
  create: () => {
    // The target is parsed once at set-up (a reusable node is set up once per loaded flow).
    let to: string | Ref | undefined
    return {
      setUp(config) {
        to = config.to ? (parseRef(config.to) ?? config.to) : undefined
      },
      run(_payload, ctx, config) {
        const rendered = ctx.template(config.template)
        const text =
          typeof rendered === 'string'
            ? rendered
            : rendered === null
              ? ''
              : typeof rendered === 'object'
                ? JSON.stringify(rendered)
                : String(rendered)
        if (to) ctx.write(to, text)
        return { port: 'payload', value: { text } }
      },
    }
  },
})
