import { segmentPlugin } from '../shared/segments'

export default segmentPlugin({
  id: 'profile.add-segment',
  name: 'Add segment',
  description: 'Adds the profile to a segment',
  icon: 'user-plus',
  outputs: ['payload'],
  docs: {
    markdown: 'Adds **Segment** to `profile.segments` (once; adding it again changes nothing).',
    outputs: { payload: 'The payload, unchanged.' },
  },
  expectPort: 'payload',
  act(segments, segment, payload) {
    if (!segments.includes(segment)) segments.push(segment)
    return { port: 'payload', value: payload }
  },
})
