import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { Engine } from './runner'
import { MemoryStateStore } from './state-store'

/**
 * A run reads the caller's event in place and copies it only before something could change
 * it: whatever the flow does, the caller's event stays as given, and the report still shows
 * what the run changed.
 */
const registry = testRegistry()
// Changes in place what it reads, as a plugin may do with what ctx.read gives it.
registry.register(
  definePlugin<{ from: string }>({
    id: 'test.push-in-place',
    version: '1.0.0',
    name: 'Push in place',
    description: 'Pushes onto the list it reads',
    group: 'Test',
    inputs: ['payload'],
    outputs: ['payload'],
    configSchema: { type: 'object' },
    defaultConfig: { from: 'event@properties.lines' },
    docs: { markdown: 'test plugin' },
    testTemplate: {},
    create: () => {
      let from = ''
      return {
        setUp(config) {
          from = config.from
        },
        run(payload, ctx) {
          ;(ctx.read(from) as unknown[]).push({ sku: 'B' })
          ;(ctx.evaluate('event.properties.customer') as Record<string, unknown>).vip = true
          return { port: 'payload', value: payload }
        },
      }
    },
  }),
  'user',
)
const engine = new Engine({ plugins: registry })

function callerEvent() {
  return {
    type: 'purchase',
    properties: { total: 150, lines: [{ sku: 'A', qty: 1 }], customer: { name: 'Ann' } },
    context: { page: '/cart' },
  }
}

async function run(nodes: Parameters<typeof buildFlow>[0]) {
  const edges = nodes.slice(1).map((n, i) => `${nodes[i]![0]}.payload -> ${n[0]}`)
  const event = callerEvent()
  const report = await engine.run(engine.load(buildFlow(nodes, edges)), { event, trace: 'summary' })
  expect(report.status).toBe('succeeded')
  expect(event).toEqual(callerEvent())
  return report
}

describe('the caller’s event under copy on write', () => {
  it('stays as given when the flow writes into the event, and the change is reported', async () => {
    const report = await run([
      ['start', 'trigger.manual'],
      [
        'set',
        'data.set',
        { values: { 'event@properties.total': 99, 'event@properties.lines.0.qty': 5 } },
      ],
    ])
    expect(report.state.event).toMatchObject({
      properties: { total: 99, lines: [{ sku: 'A', qty: 5 }] },
    })
    expect(report.changes.event).toEqual([
      { op: 'replace', path: '/properties/total', value: 99, oldValue: 150 },
      {
        op: 'replace',
        path: '/properties/lines',
        value: [{ sku: 'A', qty: 5 }],
        oldValue: [{ sku: 'A', qty: 1 }],
      },
    ])
  })

  it('stays as given when a part of the event is copied elsewhere and then changed there', async () => {
    const report = await run([
      ['start', 'trigger.manual'],
      [
        'grab',
        'data.set',
        {
          values: {
            'flow@customer': 'event@properties.customer',
            'profile@traits.lines': 'payload@properties.lines',
          },
        },
      ],
      [
        'change',
        'data.set',
        { values: { 'flow@customer.name': 'Bob', 'profile@traits.lines.0.qty': 9 } },
      ],
      ['more', 'data.append', { to: 'flow@customer.tags', value: 'x' }],
    ])
    expect(report.state.flow).toEqual({ customer: { name: 'Bob', tags: ['x'] } })
    expect((report.state.profile as { traits: unknown }).traits).toEqual({
      lines: [{ sku: 'A', qty: 9 }],
    })
  })

  it('stays as given when a plugin changes in place what it read from the event', async () => {
    const report = await run([
      ['start', 'trigger.manual'],
      ['push', 'test.push-in-place', { from: 'event@properties.lines' }],
    ])
    expect(report.state.event).toMatchObject({
      properties: {
        lines: [{ sku: 'A', qty: 1 }, { sku: 'B' }],
        customer: { name: 'Ann', vip: true },
      },
    })
  })

  it('stays as given when a plugin is handed the whole state', async () => {
    const report = await run([
      ['start', 'trigger.manual'],
      ['shape', 'data.transform', { expression: 'event.properties', to: 'flow@shaped' }],
      ['change', 'data.set', { values: { 'flow@shaped.total': 1 } }],
    ])
    expect(report.state.flow).toMatchObject({ shaped: { total: 1 } })
    expect(report.changes.event).toEqual([])
  })
})

describe('the stored profile and session', () => {
  function storeWithAnn() {
    const store = new MemoryStateStore()
    store.profiles.set('ann', {
      id: 'ann',
      traits: { orders: 1, address: { city: 'Köln' } },
      segments: ['new'],
      interests: {},
      consents: {},
      createdAt: 't',
      updatedAt: 't',
    })
    store.sessions.set('s1', {
      id: 's1',
      profileId: 'ann',
      context: { page: '/' },
      createdAt: 't',
      updatedAt: 't',
    })
    return store
  }
  const snapshot = (store: MemoryStateStore) =>
    JSON.stringify([store.profiles.get('ann'), store.sessions.get('s1')])

  it('are unchanged by a run that changes them and then fails', async () => {
    const store = storeWithAnn()
    const before = snapshot(store)
    const engine = new Engine({ plugins: registry, store })
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['count', 'data.increment', { path: 'profile@traits.orders' }],
        [
          'move',
          'data.set',
          { values: { 'profile@traits.address.city': 'Bonn', 'session@context.page': '/cart' } },
        ],
        ['tag', 'profile.add-segment', { segment: 'vip' }],
        ['boom', 'flow.throw', { message: 'stop' }],
      ],
      [
        'start.payload -> count',
        'count.payload -> move',
        'move.payload -> tag',
        'tag.payload -> boom',
      ],
    )
    const report = await engine.run(engine.load(flow), {
      event: { profileId: 'ann', sessionId: 's1' },
    })
    expect(report.status).toBe('failed')
    expect(report.state.profile).toMatchObject({
      traits: { orders: 2, address: { city: 'Bonn' } },
      segments: ['new', 'vip'],
    })
    expect(snapshot(store)).toBe(before)
  })

  it('are saved with what a successful run changed, and the changes name only that', async () => {
    const store = storeWithAnn()
    const engine = new Engine({ plugins: registry, store })
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['count', 'data.increment', { path: 'profile@traits.orders' }],
        ['move', 'data.set', { values: { 'session@context.page': '/cart' } }],
      ],
      ['start.payload -> count', 'count.payload -> move'],
    )
    const report = await engine.run(engine.load(flow), {
      event: { profileId: 'ann', sessionId: 's1' },
    })
    expect(report.changes.profile).toEqual([
      { op: 'replace', path: '/traits/orders', value: 2, oldValue: 1 },
    ])
    expect(report.changes.session).toEqual([
      { op: 'replace', path: '/context/page', value: '/cart', oldValue: '/' },
    ])
    expect(store.profiles.get('ann')).toMatchObject({
      traits: { orders: 2, address: { city: 'Köln' } },
      segments: ['new'],
    })
    expect(store.sessions.get('s1')).toMatchObject({ context: { page: '/cart' } })
  })

  it('are unchanged by a plugin that changes in place what it read from the profile, in a run that then fails', async () => {
    const store = storeWithAnn()
    const before = snapshot(store)
    const engine = new Engine({ plugins: registry, store })
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['push', 'test.push-in-place', { from: 'profile@segments' }],
        ['boom', 'flow.throw', { message: 'stop' }],
      ],
      ['start.payload -> push', 'push.payload -> boom'],
    )
    const report = await engine.run(engine.load(flow), {
      event: { profileId: 'ann', properties: { customer: {} } },
    })
    expect(report.status).toBe('failed')
    expect(report.state.profile).toMatchObject({ segments: ['new', { sku: 'B' }] })
    expect(snapshot(store)).toBe(before)
  })

  it('leave an earlier run’s report as it was when a later run changes them', async () => {
    const store = storeWithAnn()
    const engine = new Engine({ plugins: registry, store })
    const loaded = engine.load(
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['count', 'data.increment', { path: 'profile@traits.orders' }],
          ['move', 'data.set', { values: { 'profile@traits.address.city': 'Bonn' } }],
        ],
        ['start.payload -> count', 'count.payload -> move'],
      ),
    )
    const first = await engine.run(loaded, { event: { profileId: 'ann' } })
    const shown = JSON.stringify(first.state.profile)
    const second = await engine.run(loaded, { event: { profileId: 'ann' } })
    expect(second.changes.profile).toEqual([
      { op: 'replace', path: '/traits/orders', value: 3, oldValue: 2 },
    ])
    expect(JSON.stringify(first.state.profile)).toBe(shown)
    expect(first.state.profile).toMatchObject({ traits: { orders: 2, address: { city: 'Bonn' } } })
  })

  it('are unchanged by deep writes and deletes in a run that fails, and a successful one reports just those paths', async () => {
    const store = storeWithAnn()
    const stored = store.profiles.get('ann')!
    stored.traits = {
      orders: 1,
      address: { city: 'Köln', geo: { lat: 50.9, lon: 6.9 } },
      tags: [{ name: 'a' }, { name: 'b' }],
    }
    const before = snapshot(store)
    const engine = new Engine({ plugins: registry, store })
    const flow = (fail: boolean) =>
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['count', 'data.increment', { path: 'profile@traits.orders' }],
          [
            'deep',
            'data.set',
            {
              values: {
                'profile@traits.address.geo.lat': 51,
                'profile@traits.tags.1.name': 'B',
              },
            },
          ],
          ['drop', 'data.delete', { paths: ['profile@traits.address.city'] }],
          ...(fail
            ? [
                ['boom', 'flow.throw', { message: 'stop' }] as [
                  string,
                  string,
                  Record<string, unknown>,
                ],
              ]
            : []),
        ],
        [
          'start.payload -> count',
          'count.payload -> deep',
          'deep.payload -> drop',
          ...(fail ? ['drop.payload -> boom'] : []),
        ],
      )
    const failed = await engine.run(engine.load(flow(true)), { event: { profileId: 'ann' } })
    expect(failed.status).toBe('failed')
    expect(failed.state.profile).toMatchObject({
      traits: {
        orders: 2,
        address: { geo: { lat: 51, lon: 6.9 } },
        tags: [{ name: 'a' }, { name: 'B' }],
      },
    })
    expect(snapshot(store)).toBe(before)

    const report = await engine.run(engine.load(flow(false)), { event: { profileId: 'ann' } })
    expect(report.changes.profile).toEqual([
      { op: 'replace', path: '/traits/orders', value: 2, oldValue: 1 },
      { op: 'remove', path: '/traits/address/city', oldValue: 'Köln' },
      { op: 'replace', path: '/traits/address/geo/lat', value: 51, oldValue: 50.9 },
      {
        op: 'replace',
        path: '/traits/tags',
        value: [{ name: 'a' }, { name: 'B' }],
        oldValue: [{ name: 'a' }, { name: 'b' }],
      },
    ])
    expect(stored.traits).toEqual({
      orders: 1,
      address: { city: 'Köln', geo: { lat: 50.9, lon: 6.9 } },
      tags: [{ name: 'a' }, { name: 'b' }],
    })
  })

  it('report every entry a run writes, however many, and stay unchanged when the run fails', async () => {
    const store = storeWithAnn()
    const before = snapshot(store)
    const engine = new Engine({ plugins: registry, store })
    const values: Record<string, unknown> = { 'profile@traits.orders': 5 }
    for (let i = 0; i < 20; i++) values[`profile@extra${i}.n`] = i
    const flow = (fail: boolean) =>
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['set', 'data.set', { values }],
          ...(fail
            ? [
                ['boom', 'flow.throw', { message: 'stop' }] as [
                  string,
                  string,
                  Record<string, unknown>,
                ],
              ]
            : []),
        ],
        ['start.payload -> set', ...(fail ? ['set.payload -> boom'] : [])],
      )
    const failed = await engine.run(engine.load(flow(true)), { event: { profileId: 'ann' } })
    expect(failed.status).toBe('failed')
    expect(snapshot(store)).toBe(before)
    const report = await engine.run(engine.load(flow(false)), { event: { profileId: 'ann' } })
    expect(report.changes.profile).toEqual([
      { op: 'replace', path: '/traits/orders', value: 5, oldValue: 1 },
      ...Array.from({ length: 20 }, (_, i) => ({ op: 'add', path: `/extra${i}`, value: { n: i } })),
    ])
  })
})
