import { definePlugin } from '../../src-shared/plugin-sdk'
import { SEGMENT_SCHEMA } from '../shared/schemas'
import { segmentName } from '../shared/segments'

export default definePlugin<{ segment: string }>({
  id: 'profile.has-segment',
  version: '1.0.0',
  name: 'Has segment?',
  description: 'Routes by whether the profile is in a segment',
  group: 'Profile',
  icon: 'user-check',
  inputs: ['payload'],
  outputs: ['true', 'false'],
  configSchema: { type: 'object', properties: { segment: SEGMENT_SCHEMA }, required: ['segment'], additionalProperties: false },
  defaultConfig: { segment: 'vip' },
  form: [{ title: 'Segment', fields: [{ field: 'segment', widget: 'template' }] }],
  docs: {
    markdown: 'Sends the payload to `true` when `profile.segments` contains **Segment**, otherwise to `false`.',
    inputs: { payload: 'Any value.' },
    outputs: { true: 'The payload, when the profile is in the segment.', false: 'The payload, when it is not.' },
  },
  testTemplate: { config: { segment: 'vip' }, payload: { a: 1 }, expect: { port: 'false', value: { a: 1 } } },
  create: () => {
    let config: { segment: string }
    return {
      setUp(c) {
        config = c
      },
      run(payload, ctx) {
        return { port: ctx.state.profile.segments.includes(segmentName(config, ctx)) ? 'true' : 'false', value: payload }
      },
    }
  },
})
