import { segmentPlugin } from '../shared/segments'

export default segmentPlugin({
  id: 'profile.has-segment',
  name: 'Has segment?',
  description: 'Routes by whether the profile is in a segment',
  icon: 'user-check',
  outputs: ['true', 'false'],
  docs: {
    markdown:
      'Sends the payload to `true` when `profile.segments` contains **Segment**, otherwise to `false`.',
    outputs: {
      true: 'The payload, when the profile is in the segment.',
      false: 'The payload, when it is not.',
    },
  },
  expectPort: 'false',
  act: (segments, segment, payload) => ({
    port: segments.includes(segment) ? 'true' : 'false',
    value: payload,
  }),
})
