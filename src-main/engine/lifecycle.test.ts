import { beforeEach, describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { lifecycle, testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'

const engine = new Engine({ plugins: testRegistry() })

beforeEach(() => {
  lifecycle.length = 0
})

describe('plugin lifecycle (create, setUp once, run per payload, close always)', () => {
  it('creates and sets up each node once per run and runs it once per payload', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['loop', 'flow.for-each', { items: 'event.properties.list' }],
        ['rec', 'test.record', { tag: 'R' }],
      ],
      ['start.payload -> loop', 'loop.item -> rec'],
    )
    const report = await engine.run(engine.load(flow), { event: { properties: { list: [1, 2, 3] } } })
    expect(report.status).toBe('succeeded')
    expect(lifecycle).toEqual(['create', 'setUp:R', 'run:R:1', 'run:R:2', 'run:R:3', 'close:R'])
  })

  it('closes every created action after a failure too', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['rec', 'test.record', { tag: 'R' }],
        ['boom', 'flow.throw', { message: 'stop' }],
      ],
      ['start.payload -> rec', 'rec.payload -> boom'],
    )
    const report = await engine.run(engine.load(flow), { event: {} })
    expect(report.status).toBe('failed')
    expect(lifecycle).toContain('close:R')
  })

  it('creates a fresh action for every run', async () => {
    const loaded = engine.load(buildFlow([['start', 'trigger.manual'], ['rec', 'test.record', { tag: 'R' }]], ['start.payload -> rec']))
    await engine.run(loaded, { event: {} })
    await engine.run(loaded, { event: {} })
    expect(lifecycle.filter((l) => l === 'create')).toHaveLength(2)
    expect(lifecycle.filter((l) => l === 'close:R')).toHaveLength(2)
  })

  it('does not create nodes that are skipped', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['check', 'flow.if', { condition: 'false' }],
        ['rec', 'test.record', { tag: 'R' }],
      ],
      ['start.payload -> check', 'check.true -> rec'],
    )
    await engine.run(engine.load(flow), { event: {} })
    expect(lifecycle).toEqual([])
  })
})
