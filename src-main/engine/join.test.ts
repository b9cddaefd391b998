import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'

const engine = new Engine({ plugins: testRegistry() })

describe('join', () => {
  const fanOut = (join: 'each' | 'all' | undefined, plugin = 'test.record') =>
    buildFlow(
      [
        ['start', 'trigger.manual'],
        ['left', 'data.set', { values: { 'payload@side': 'left' } }],
        ['right', 'data.set', { values: { 'payload@side': 'right' } }],
        ['off', 'flow.if', { condition: 'false' }],
        ['target', plugin, {}, join ? { join } : {}],
      ],
      [
        'start.payload -> left',
        'start.payload -> right',
        'start.payload -> off',
        'left.payload -> target',
        'right.payload -> target',
        'off.true -> target',
      ],
    )

  it('runs once per arriving payload with join "each" (the default)', async () => {
    const report = await engine.run(engine.load(fanOut(undefined)), { event: { properties: {} } })
    const runs = report.nodes.filter((n) => n.nodeId === 'target')
    expect(runs.map((r) => (r.input!.value as { side: string }).side)).toEqual(['left', 'right'])
    expect(runs.map((r) => r.input!.edgeId)).toEqual(['e4', 'e5'])
  })

  it('runs once with every delivered payload keyed by source with join "all"', async () => {
    const report = await engine.run(engine.load(fanOut('all')), { event: { properties: {} } })
    const runs = report.nodes.filter((n) => n.nodeId === 'target')
    expect(runs).toHaveLength(1)
    const value = runs[0]!.input!.value as Record<string, { side: string }>
    expect(Object.keys(value).sort()).toEqual(['left', 'right'])
    expect(value.left!.side).toBe('left')
  })

  it('flow.join always joins all active branches', async () => {
    const report = await engine.run(engine.load(fanOut(undefined, 'flow.join')), {
      event: { properties: {} },
    })
    const runs = report.nodes.filter((n) => n.nodeId === 'target')
    expect(runs).toHaveLength(1)
    expect(Object.keys(runs[0]!.outputs[0]!.value as object).sort()).toEqual(['left', 'right'])
  })

  it('does not copy a payload for one branch when another writes to it', async () => {
    const report = await engine.run(engine.load(fanOut('all')), { event: { properties: {} } })
    expect((report.state.event as { side?: string }).side).toBeUndefined()
  })

  it('is skipped when every inbound branch was deactivated', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['a', 'flow.if', { condition: 'false' }],
        ['b', 'flow.if', { condition: 'false' }],
        ['j', 'flow.join'],
      ],
      ['start.payload -> a', 'start.payload -> b', 'a.true -> j', 'b.true -> j'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(report.nodes.find((n) => n.nodeId === 'j')!.status).toBe('skipped')
  })
})
