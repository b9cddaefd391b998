import type { PluginContext, PluginDefinition, RunResult } from '../../src-shared/plugin-sdk'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { SEGMENT_SCHEMA } from './schemas'

export function segmentName(config: { segment: string }, ctx: PluginContext): string {
  const value = config.segment.includes('{{') ? ctx.template(config.segment) : config.segment
  if (typeof value !== 'string' || value.trim() === '') {
    throw Object.assign(
      new Error(`The segment name must be non-empty text, got ${JSON.stringify(value)}`),
      { code: 'invalid-segment' },
    )
  }
  return value.trim()
}

interface SegmentPlugin {
  id: string
  name: string
  description: string
  icon: string
  outputs: string[]
  docs: { markdown: string; outputs: Record<string, string> }
  expectPort: string
  /** What the node does with the profile's segments and the (resolved) segment name. */
  act(segments: string[], segment: string, payload: unknown): RunResult
}

/** The three segment plugins differ only in what they do with the segment list. */
export function segmentPlugin(spec: SegmentPlugin): PluginDefinition<{ segment: string }> {
  return definePlugin<{ segment: string }>({
    id: spec.id,
    version: '1.0.0',
    name: spec.name,
    description: spec.description,
    group: 'Profile',
    icon: spec.icon,
    inputs: ['payload'],
    outputs: spec.outputs,
    configSchema: {
      type: 'object',
      properties: { segment: SEGMENT_SCHEMA },
      required: ['segment'],
      additionalProperties: false,
    },
    defaultConfig: { segment: 'vip' },
    form: [{ title: 'Segment', fields: [{ field: 'segment', widget: 'template' }] }],
    docs: {
      markdown: spec.docs.markdown,
      inputs: { payload: 'Any value.' },
      outputs: spec.docs.outputs,
    },
    testTemplate: {
      config: { segment: 'vip' },
      payload: { a: 1 },
      expect: { port: spec.expectPort, value: { a: 1 } },
    },
    reusable: true,
    create: () => ({
      run: (payload, ctx, config) =>
        spec.act(ctx.state.profile.segments, segmentName(config, ctx), payload),
    }),
  })
}
