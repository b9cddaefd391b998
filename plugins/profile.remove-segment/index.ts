import { segmentPlugin } from '../shared/segments'

export default segmentPlugin({
  id: 'profile.remove-segment',
  name: 'Remove segment',
  description: 'Removes the profile from a segment',
  icon: 'user-minus',
  outputs: ['payload'],
  docs: {
    markdown:
      'Removes **Segment** from `profile.segments`. Removing a segment the profile is not in changes nothing.',
    outputs: { payload: 'The payload, unchanged.' },
  },
  expectPort: 'payload',
  act(segments, segment, payload) {
    const index = segments.indexOf(segment)
    if (index >= 0) segments.splice(index, 1)
    return { port: 'payload', value: payload }
  },
})
