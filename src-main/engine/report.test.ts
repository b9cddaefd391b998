import { describe, expect, it } from 'vitest'
import type { EngineEvent } from '../../src-shared/engine/report'
import { buildFlow, sampleEvent, sampleFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'

const engine = new Engine({ plugins: testRegistry() })

describe('execution report', () => {
  it('has exactly the fields of design §4', async () => {
    const report = await engine.run(engine.load(sampleFlow('inventory-reorder')), {
      event: sampleEvent('inventory-reorder'),
      flowVersion: 3,
    })
    expect(Object.keys(report).sort()).toEqual(
      [
        'changes',
        'durationMs',
        'edges',
        'errors',
        'finishedAt',
        'flowId',
        'flowVersion',
        'nodes',
        'runId',
        'startedAt',
        'state',
        'status',
        'success',
        'trace',
        'trigger',
      ].sort(),
    )
    expect(report).toMatchObject({
      flowId: 'inventory-reorder',
      flowVersion: 3,
      status: 'succeeded',
      success: true,
      errors: [],
    })
    expect(Object.keys(report.state).sort()).toEqual(['event', 'flow', 'profile', 'session'])
    expect(Object.keys(report.changes).sort()).toEqual(['event', 'profile', 'session'])
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt))
    const node = report.nodes[0]!
    expect(Object.keys(node).sort()).toEqual(
      [
        'attempts',
        'durationMs',
        'error',
        'input',
        'label',
        'logs',
        'nodeId',
        'outputs',
        'plugin',
        'sequence',
        'startedAt',
        'status',
      ].sort(),
    )
    expect(report.nodes.map((n) => n.sequence)).toEqual(report.nodes.map((_, i) => i + 1))
    expect(report.trigger).toMatchObject({ nodeId: 'start', plugin: 'trigger.event' })
  })

  it("reports the caller's trigger with its own fields, then the entry node and its plugin", async () => {
    const loaded = engine.load(sampleFlow('inventory-reorder'))
    const given = { path: '/hooks/stock', type: 'webhook', nodeId: 'from-caller' }
    for (const trigger of [{ type: 'cli' }, given, { type: 'cli' }]) {
      const report = await engine.run(loaded, { event: sampleEvent('inventory-reorder'), trigger })
      const expected = { ...trigger, nodeId: 'start', plugin: 'trigger.event' }
      expect(report.trigger).toStrictEqual(expected)
      expect(Object.keys(report.trigger)).toEqual(Object.keys(expected))
      expect(report.trigger).not.toBe(trigger)
    }
    expect(given).toEqual({ path: '/hooks/stock', type: 'webhook', nodeId: 'from-caller' })
  })

  it('records inputs and outputs with trace full, and only status and timing with summary', async () => {
    const loaded = engine.load(sampleFlow('ticket-router'))
    const full = await engine.run(loaded, { event: sampleEvent('ticket-router'), trace: 'full' })
    const summary = await engine.run(loaded, {
      event: sampleEvent('ticket-router'),
      trace: 'summary',
    })
    const fullNode = full.nodes.find((n) => n.nodeId === 'message')!
    const summaryNode = summary.nodes.find((n) => n.nodeId === 'message')!
    expect(fullNode.input!.value).toBeDefined()
    expect(fullNode.outputs[0]!.value).toEqual({ text: expect.stringContaining('urgent queue') })
    expect(summaryNode.input).not.toHaveProperty('value')
    expect(summaryNode.outputs).toEqual([{ port: 'payload' }])
    expect(summary.nodes.map((n) => [n.nodeId, n.status])).toEqual(
      full.nodes.map((n) => [n.nodeId, n.status]),
    )
  })

  it('keeps what a node received even when later nodes change the state', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['set', 'data.set', { values: { 'event@properties.changed': true } }],
      ],
      ['start.payload -> set'],
    )
    const report = await engine.run(engine.load(f), { event: { properties: {} } })
    const input = report.nodes.find((n) => n.nodeId === 'set')!.input!.value as {
      properties: object
    }
    expect(input.properties).toEqual({})
    expect(report.changes.event).toEqual([{ op: 'add', path: '/properties/changed', value: true }])
  })

  it('emits runStarted, nodeStarted, nodeFinished and runFinished in order', async () => {
    const events: EngineEvent[] = []
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['log', 'flow.log', { message: 'hi {{ event.type }}' }],
      ],
      ['start.payload -> log'],
    )
    const report = await engine.run(engine.load(f), {
      event: { type: 'x' },
      onEvent: (e) => events.push(e),
    })
    expect(
      events.map((e) =>
        e.type === 'nodeStarted' || e.type === 'nodeFinished'
          ? `${e.type}:${'nodeId' in e ? e.nodeId : e.record.nodeId}`
          : e.type,
      ),
    ).toEqual([
      'runStarted',
      'nodeStarted:start',
      'nodeFinished:start',
      'nodeStarted:log',
      'nodeFinished:log',
      'runFinished',
    ])
    expect(events.at(-1)).toEqual({ type: 'runFinished', runId: report.runId, report })
    expect(report.nodes[1]!.logs).toEqual([
      { level: 'info', message: 'hi x', at: expect.any(String) },
    ])
  })

  it('is plain data that survives JSON', async () => {
    const report = await engine.run(engine.load(sampleFlow('vip-tagging')), {
      event: sampleEvent('vip-tagging'),
    })
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })

  it('serves mocks instead of running the node', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['check', 'flow.if', { condition: 'true' }],
        ['yes', 'test.record'],
        ['no', 'test.record'],
      ],
      ['start.payload -> check', 'check.true -> yes', 'check.false -> no'],
    )
    const report = await engine.run(engine.load(f), {
      event: {},
      mocks: { check: { port: 'false', value: { mocked: 1 } } },
    })
    expect(report.nodes.find((n) => n.nodeId === 'no')!.status).toBe('ok')
    expect(report.nodes.find((n) => n.nodeId === 'yes')!.status).toBe('skipped')
  })
})

describe('mocks on the error port', () => {
  it('make the node fail with the mocked error', async () => {
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['call', 'test.record'],
        [
          'handle',
          'data.set',
          { values: { 'flow@why': 'payload@message', 'flow@code': 'payload@code' } },
        ],
      ],
      ['start.payload -> call', 'call.error -> handle'],
    )
    const report = await engine.run(engine.load(f), {
      event: {},
      mocks: { call: { port: 'error', value: { message: 'supplier down', code: 'http-error' } } },
    })
    expect(report.nodes.find((n) => n.nodeId === 'call')!.status).toBe('error')
    expect(report.state.flow).toEqual({ why: 'supplier down', code: 'http-error' })
  })
})
