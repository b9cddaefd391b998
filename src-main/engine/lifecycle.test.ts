import { beforeEach, describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { lifecycle, testRegistry } from '../../test/fixtures/plugins'
import { definePlugin } from '../../src-shared/plugin-sdk'
import type { PluginContext } from '../../src-shared/plugin-sdk'
import { PluginRegistry } from '../plugins-host/registry'
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
    const report = await engine.run(engine.load(flow), {
      event: { properties: { list: [1, 2, 3] } },
    })
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
    const loaded = engine.load(
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['rec', 'test.record', { tag: 'R' }],
        ],
        ['start.payload -> rec'],
      ),
    )
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

describe('reusable actions (built-in plugins whose action keeps nothing between runs)', () => {
  const counting = (id: string, failFirstSetUp = false) => {
    let setUps = 0
    return definePlugin<{ tag?: string }>({
      id,
      version: '1.0.0',
      name: 'Counting',
      description: 'Counts its lifecycle',
      group: 'Test',
      inputs: ['payload'],
      outputs: ['payload'],
      configSchema: { type: 'object' },
      defaultConfig: {},
      docs: { markdown: 'test plugin' },
      testTemplate: {},
      reusable: true,
      create: () => {
        lifecycle.push(`create:${id}`)
        return {
          setUp() {
            setUps++
            lifecycle.push(`setUp:${id}`)
            if (failFirstSetUp && setUps === 1) throw new Error('not yet')
          },
          run: (payload) => ({ port: 'payload', value: payload }),
        }
      },
    })
  }
  const flowWith = (plugin: string) =>
    buildFlow(
      [
        ['start', 'trigger.manual'],
        ['n', plugin],
      ],
      ['start.payload -> n'],
    )

  it('creates and sets up a built-in reusable action once per loaded flow, not once per run', async () => {
    const registry = PluginRegistry.withBuiltins()
    registry.register(counting('test.shared'), 'builtin')
    const engine = new Engine({ plugins: registry })
    const loaded = engine.load(flowWith('test.shared'))
    for (let i = 0; i < 3; i++)
      expect((await engine.run(loaded, { event: {} })).status).toBe('succeeded')
    expect(lifecycle).toEqual(['create:test.shared', 'setUp:test.shared'])
  })

  it('sets up again after a set-up that failed, and reports the failure', async () => {
    const registry = PluginRegistry.withBuiltins()
    registry.register(counting('test.shaky', true), 'builtin')
    const engine = new Engine({ plugins: registry })
    const loaded = engine.load(flowWith('test.shaky'))
    expect((await engine.run(loaded, { event: {} })).status).toBe('failed')
    expect((await engine.run(loaded, { event: {} })).status).toBe('succeeded')
    expect((await engine.run(loaded, { event: {} })).status).toBe('succeeded')
    expect(lifecycle.filter((l) => l.startsWith('setUp'))).toHaveLength(2)
  })

  it('keeps the per-run lifecycle for a user plugin that claims to be reusable', async () => {
    const registry = PluginRegistry.withBuiltins()
    registry.register(counting('test.claims'), 'user')
    const engine = new Engine({ plugins: registry })
    const loaded = engine.load(flowWith('test.claims'))
    await engine.run(loaded, { event: {} })
    await engine.run(loaded, { event: {} })
    expect(lifecycle.filter((l) => l.startsWith('create'))).toHaveLength(2)
  })
})

describe('a context kept past the end of its run', () => {
  it('still reads its own node-level context and its run’s node outputs, not a later run’s', async () => {
    const kept: PluginContext[] = []
    const registry = PluginRegistry.withBuiltins()
    registry.register(
      definePlugin({
        id: 'test.keeper',
        version: '1.0.0',
        name: 'Keeper',
        description: 'Keeps its context',
        group: 'Test',
        inputs: ['payload'],
        outputs: ['payload'],
        configSchema: { type: 'object' },
        defaultConfig: {},
        docs: { markdown: 'test plugin' },
        testTemplate: {},
        create: () => ({
          run(payload, ctx) {
            ctx.node.seen = (payload as { properties: { n: number } }).properties.n
            kept.push(ctx)
            return { port: 'payload', value: payload }
          },
        }),
      }),
      'user',
    )
    const engine = new Engine({ plugins: registry })
    const loaded = engine.load(
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['keep', 'test.keeper'],
        ],
        ['start.payload -> keep'],
      ),
    )
    await engine.run(loaded, { event: { properties: { n: 1 } } })
    await engine.run(loaded, { event: { properties: { n: 2 } } })
    expect(kept.map((ctx) => ctx.node.seen)).toEqual([1, 2])
    expect(
      kept.map(
        (ctx) =>
          (ctx.state.nodes.start!.outputs.payload as { properties: { n: number } }).properties.n,
      ),
    ).toEqual([1, 2])
  })
})
