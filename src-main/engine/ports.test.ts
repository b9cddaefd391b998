import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'

const engine = new Engine({ plugins: testRegistry() })

function statusOf(report: Awaited<ReturnType<Engine['run']>>, nodeId: string) {
  return report.nodes.filter((n) => n.nodeId === nodeId).map((n) => n.status)
}

describe('ports, deactivated edges and skipped nodes', () => {
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['check', 'flow.if', { condition: 'event.properties.total > 100' }],
      ['big', 'data.set', { values: { 'flow@size': 'big' } }],
      ['after-big', 'data.set', { values: { 'flow@seenBig': true } }],
      ['small', 'data.set', { values: { 'flow@size': 'small' } }],
    ],
    [
      'start.payload -> check',
      'check.true -> big',
      'big.payload -> after-big',
      'check.false -> small',
    ],
  )
  const loaded = engine.load(flow)

  it('follows the port that got a result and skips what is reachable only through the other', async () => {
    const report = await engine.run(loaded, { event: { properties: { total: 150 } } })
    expect(statusOf(report, 'big')).toEqual(['ok'])
    expect(statusOf(report, 'after-big')).toEqual(['ok'])
    expect(statusOf(report, 'small')).toEqual(['skipped'])
    expect(report.state.flow).toEqual({ size: 'big', seenBig: true })
    expect(report.edges).toEqual({ e1: 'active', e2: 'active', e3: 'active', e4: 'inactive' })
  })

  it('skips a whole branch transitively', async () => {
    const report = await engine.run(loaded, { event: { properties: { total: 5 } } })
    expect(statusOf(report, 'big')).toEqual(['skipped'])
    expect(statusOf(report, 'after-big')).toEqual(['skipped'])
    expect(report.edges.e3).toBe('inactive')
    expect(report.state.flow).toEqual({ size: 'small' })
  })

  it('treats a null value as no result', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'emit',
          'test.emit',
          {
            results: [
              { port: 'a', value: null },
              { port: 'b', value: 1 },
            ],
          },
        ],
        ['on-a', 'test.record'],
        ['on-b', 'test.record'],
      ],
      ['start.payload -> emit', 'emit.a -> on-a', 'emit.b -> on-b'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(statusOf(report, 'on-a')).toEqual(['skipped'])
    expect(statusOf(report, 'on-b')).toEqual(['ok'])
  })

  it('fails the node when a plugin sends on a port it does not have', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['emit', 'test.emit', { results: [{ port: 'zzz', value: 1 }] }],
      ],
      ['start.payload -> emit'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(report.status).toBe('failed')
    expect(report.errors[0]).toMatchObject({ nodeId: 'emit', code: 'unknown-port' })
  })

  it('ends the run as succeeded with nothing done when trigger.event does not match', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.event', { eventTypes: ['purchase'] }],
        ['rec', 'test.record'],
      ],
      ['start.payload -> rec'],
    )
    const report = await engine.run(engine.load(f), { event: { type: 'page-view' } })
    expect(report.status).toBe('succeeded')
    expect(statusOf(report, 'rec')).toEqual(['skipped'])
    expect(report.edges.e1).toBe('inactive')
  })

  it('passes the input to every output of a disabled node', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['check', 'flow.if', { condition: 'false' }, { disabled: true }],
        ['yes', 'test.record'],
        ['no', 'test.record'],
      ],
      ['start.payload -> check', 'check.true -> yes', 'check.false -> no'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(statusOf(report, 'yes')).toEqual(['ok'])
    expect(statusOf(report, 'no')).toEqual(['ok'])
  })
})

describe('several results per port', () => {
  it('runs downstream nodes once per result, in order, then done', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['loop', 'flow.for-each', { items: 'event.properties.items' }],
        ['collect', 'data.append', { to: 'flow@seen', value: '{{ payload.sku }}' }],
        ['finish', 'data.set', { values: { 'flow@count': '{{ len(flow.seen) }}' } }],
      ],
      ['start.payload -> loop', 'loop.item -> collect', 'loop.done -> finish'],
    )
    const report = await engine.run(engine.load(f), {
      event: { properties: { items: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }] } },
    })
    expect(report.nodes.filter((n) => n.nodeId === 'collect')).toHaveLength(3)
    expect(report.state.flow).toEqual({ seen: ['a', 'b', 'c'], count: 3 })
    const order = report.nodes.map((n) => n.nodeId)
    expect(order.indexOf('finish')).toBeGreaterThan(order.lastIndexOf('collect'))
  })

  it('sends only done for an empty list', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['loop', 'flow.for-each', { items: 'event.properties.items' }],
        ['each', 'test.record'],
        ['finish', 'test.record'],
      ],
      ['start.payload -> loop', 'loop.item -> each', 'loop.done -> finish'],
    )
    const report = await engine.run(engine.load(f), { event: { properties: { items: [] } } })
    expect(report.nodes.find((n) => n.nodeId === 'each')!.status).toBe('skipped')
    expect(report.nodes.find((n) => n.nodeId === 'finish')!.status).toBe('ok')
  })
})
