/**
 * Attack: a webhook body (or any event) carries text shaped like a template or a reference —
 * `{{ secrets.crm.apiKey }}`, `secret@crm.apiKey` — hoping a node evaluates it when the value is
 * copied or logged. Only a flow's own config is ever evaluated; data stays data.
 */
import { describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../fixtures/flows'

const SECRET = 'crm-live-key-5521'

describe('event data shaped like a template or reference', () => {
  it('is copied and logged as text, never evaluated', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'keep',
          'data.set',
          { values: { 'flow@note': 'event@properties.note', 'flow@ref': 'event@properties.ref' } },
        ],
        ['say', 'flow.log', { level: 'info', message: 'got {{ event.properties.note }}' }],
        ['copy', 'data.copy', { from: 'event@properties.ref', to: 'profile@traits.ref' }],
      ],
      ['start.payload -> keep', 'keep.payload -> say', 'say.payload -> copy'],
    )
    const engine = new Engine({
      plugins: PluginRegistry.withBuiltins(),
      environment: { name: 'production', vars: {}, secrets: { crm: { apiKey: SECRET } } },
    })
    const event = { properties: { note: '{{ secrets.crm.apiKey }}', ref: 'secret@crm.apiKey' } }
    const report = await engine.run(engine.load(flow), { event })
    expect(report.status).toBe('succeeded')
    expect(report.state.flow).toEqual({
      note: '{{ secrets.crm.apiKey }}',
      ref: 'secret@crm.apiKey',
    })
    expect(report.nodes.find((n) => n.nodeId === 'say')!.logs[0]!.message).toBe(
      'got {{ secrets.crm.apiKey }}',
    )
    expect((report.state.profile as { traits: Record<string, unknown> }).traits.ref).toBe(
      'secret@crm.apiKey',
    )
    expect(JSON.stringify(report)).not.toContain(SECRET)
  })
})
