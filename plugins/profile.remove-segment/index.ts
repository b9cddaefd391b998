import { definePlugin } from '../../src-shared/plugin-sdk'
import { SEGMENT_SCHEMA } from '../shared/schemas'
import { segmentName } from '../shared/segments'

export default definePlugin<{ segment: string }>({
  id: 'profile.remove-segment',
  version: '1.0.0',
  name: 'Remove segment',
  description: 'Removes the profile from a segment',
  group: 'Profile',
  icon: 'user-minus',
  inputs: ['payload'],
  outputs: ['payload'],
  configSchema: { type: 'object', properties: { segment: SEGMENT_SCHEMA }, required: ['segment'], additionalProperties: false },
  defaultConfig: { segment: 'vip' },
  form: [{ title: 'Segment', fields: [{ field: 'segment', widget: 'template' }] }],
  docs: {
    markdown: 'Removes **Segment** from `profile.segments`. Removing a segment the profile is not in changes nothing.',
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
        const index = segments.indexOf(segment)
        if (index >= 0) segments.splice(index, 1)
        return { port: 'payload', value: payload }
      },
    }
  },
})
