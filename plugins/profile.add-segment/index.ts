import { definePlugin } from '../../src-shared/plugin-sdk'
import { SEGMENT_SCHEMA } from '../shared/schemas'
import { segmentName } from '../shared/segments'

export default definePlugin<{ segment: string }>({
  id: 'profile.add-segment',
  version: '1.0.0',
  name: 'Add segment',
  description: 'Adds the profile to a segment',
  group: 'Profile',
  icon: 'user-plus',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: { type: 'object', properties: { segment: SEGMENT_SCHEMA }, required: ['segment'], additionalProperties: false },
  defaultConfig: { segment: 'vip' },
  form: [{ title: 'Segment', fields: [{ field: 'segment', widget: 'template' }] }],
  docs: {
    markdown: 'Adds **Segment** to `profile.segments` (once; adding it again changes nothing).',
    inputs: { payload: 'Any value.' },
    outputs: { payload: 'The payload, unchanged.' },
  },
  testTemplate: { config: { segment: 'vip' }, payload: { a: 1 }, expect: { port: 'payload', value: { a: 1 } } },
  create: () => {
    let config: { segment: string }
    return {
      setUp(c) {
        config = c
      },
      run(payload, ctx) {
        const segment = segmentName(config, ctx)
        const segments = ctx.state.profile.segments
        if (!segments.includes(segment)) segments.push(segment)
        return { port: 'payload', value: payload }
      },
    }
  },
})
