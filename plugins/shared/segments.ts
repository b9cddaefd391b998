import type { PluginContext } from '../../src-shared/plugin-sdk'

export function segmentName(config: { segment: string }, ctx: PluginContext): string {
  const value = config.segment.includes('{{') ? ctx.template(config.segment) : config.segment
  if (typeof value !== 'string' || value.trim() === '') {
    throw Object.assign(new Error(`The segment name must be non-empty text, got ${JSON.stringify(value)}`), { code: 'invalid-segment' })
  }
  return value.trim()
}
