/** Engine benchmarks (issue: Engine): throughput, expressions, validation, memory. */
import { compileExpression } from '../src-shared/expr'
import type { Flow, FlowNode } from '../src-shared/flow/types'
import { validateFlow } from '../src-shared/flow/validate'
import { Engine } from '../src-main/engine/runner'
import { MemoryStateStore } from '../src-main/engine/state-store'
import type { StateStore } from '../src-main/engine/state-store'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import type { BenchCase } from './harness'
import { gc, heapMb, throughput, throughputSync } from './harness'

const node = (
  id: string,
  plugin: string,
  config: Record<string, unknown>,
  x: number,
): FlowNode => ({ id, plugin, config, position: { x: x * 200, y: 0 } })

/** The 10-node benchmark flow: trigger, sets, ifs, copy, increment, template, all on the path. */
export function tenNodeFlow(): Flow {
  const nodes = [
    node('start', 'trigger.manual', {}, 0),
    node(
      'total',
      'data.set',
      { values: { 'flow@total': 'event@properties.total', 'flow@currency': 'EUR' } },
      1,
    ),
    node(
      'big',
      'flow.if',
      { condition: 'event.properties.total > 100 && event.properties.country == "DE"' },
      2,
    ),
    node('sku', 'data.copy', { from: 'event@properties.sku', to: 'flow@sku' }, 3),
    node('count', 'data.increment', { path: 'profile@traits.orders', by: 1 }, 4),
    node(
      'spend',
      'data.increment',
      { path: 'profile@traits.spent', by: 'event@properties.total' },
      5,
    ),
    node('loyal', 'flow.if', { condition: 'profile.traits.orders >= 1' }, 6),
    node(
      'tier',
      'data.set',
      { values: { 'profile@traits.tier': 'gold', 'flow@discount': '{{ flow.total * 0.1 }}' } },
      7,
    ),
    node(
      'message',
      'data.template',
      {
        template:
          'Order {{ flow.sku }}: {{ flow.total }} {{ flow.currency }}, discount {{ flow.discount }}',
        to: 'flow@message',
      },
      8,
    ),
    node('last', 'data.set', { values: { 'profile@traits.lastSku': 'flow@sku' } }, 9),
  ]
  const chain: [string, string, string][] = [
    ['start', 'payload', 'total'],
    ['total', 'payload', 'big'],
    ['big', 'true', 'sku'],
    ['sku', 'payload', 'count'],
    ['count', 'payload', 'spend'],
    ['spend', 'payload', 'loyal'],
    ['loyal', 'true', 'tier'],
    ['tier', 'payload', 'message'],
    ['message', 'payload', 'last'],
  ]
  return {
    schemaVersion: 1,
    id: 'bench-ten',
    name: 'Benchmark: ten nodes',
    nodes,
    edges: chain.map(([source, sourcePort, target], i) => ({
      id: `e${i}`,
      source,
      sourcePort,
      target,
      targetPort: 'payload',
    })),
  }
}

export function benchEvent(i: number) {
  return {
    type: 'purchase',
    profileId: `p${i % 100}`,
    properties: { total: 150 + (i % 7), country: 'DE', sku: `SKU-${i % 13}` },
  }
}

/** A generated flow of `count` nodes: a chain of sets and ifs with configs to check. */
export function bigFlow(count: number): Flow {
  const nodes: FlowNode[] = [node('n0', 'trigger.manual', {}, 0)]
  const edges: Flow['edges'] = []
  for (let i = 1; i < count; i++) {
    const isIf = i % 3 === 0
    nodes.push(
      isIf
        ? node(
            `n${i}`,
            'flow.if',
            { condition: `event.properties.total > ${i} && profile.traits.vip == true` },
            i,
          )
        : node(
            `n${i}`,
            'data.set',
            {
              values: {
                [`flow@v${i}`]: `{{ event.properties.total + ${i} }}`,
                [`profile@traits.t${i}`]: 'event@properties.sku',
              },
            },
            i,
          ),
    )
    const prevIsIf = (i - 1) % 3 === 0 && i - 1 > 0
    edges.push({
      id: `e${i}`,
      source: `n${i - 1}`,
      sourcePort: prevIsIf ? 'true' : 'payload',
      target: `n${i}`,
      targetPort: 'payload',
    })
  }
  return { schemaVersion: 1, id: 'bench-big', name: `Benchmark: ${count} nodes`, nodes, edges }
}

/** About 30 KB of JSON: an order with 130 lines, as a webhook might post it. */
const ORDER_LINES = Array.from({ length: 130 }, (_, i) => ({
  sku: `SKU-${1000 + i}`,
  name: `Article number ${i} with a descriptive name`,
  quantity: 1 + (i % 4),
  unitPrice: 9.95 + i,
  currency: 'EUR',
  category: ['garden', 'kitchen', 'tools', 'toys'][i % 4],
  warehouse: { id: `WH-${i % 3}`, city: ['Hamburg', 'Leipzig', 'Köln'][i % 3], shelf: `A-${i}` },
  tags: ['sale', 'new', `batch-${i % 7}`],
}))

/** The benchmark event with a 30 KB payload. The lines are shared: a run must leave its caller's event as given. */
export function bigBenchEvent(i: number) {
  const event = benchEvent(i)
  return { ...event, properties: { ...event.properties, lines: ORDER_LINES } }
}

export async function engineThroughput(
  store: StateStore,
  trace: 'summary' | 'full',
  ms = 2000,
  makeEvent: (i: number) => unknown = benchEvent,
): Promise<number> {
  const engine = new Engine({ plugins: PluginRegistry.withBuiltins(), store })
  const loaded = engine.load(tenNodeFlow())
  let i = 0
  const probe = await engine.run(loaded, { event: makeEvent(0), trace })
  if (probe.status !== 'succeeded' || probe.nodes.some((n) => n.status !== 'ok'))
    throw new Error(`benchmark flow did not run every node: ${JSON.stringify(probe.errors)}`)
  return throughput(() => engine.run(loaded, { event: makeEvent(i++), trace }), {
    ms,
    warmup: 3000,
  })
}

export const engineBench: BenchCase = {
  group: 'engine',
  async run() {
    const summary = await engineThroughput(new MemoryStateStore(), 'summary')
    const full = await engineThroughput(new MemoryStateStore(), 'full')
    const payloadBytes = JSON.stringify(bigBenchEvent(0)).length
    const big = await engineThroughput(new MemoryStateStore(), 'summary', 2000, bigBenchEvent)

    const expr = compileExpression('event.properties.total > 100 && profile.traits.vip == true')
    const scope = { event: { properties: { total: 150 } }, profile: { traits: { vip: true } } }
    const evals = throughputSync(() => expr(scope), { ms: 1000, batch: 10000 })

    const registry = PluginRegistry.withBuiltins()
    const flow = bigFlow(1000)
    for (let i = 0; i < 5; i++) validateFlow(flow, { plugins: registry })
    const times: number[] = []
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now()
      const problems = validateFlow(flow, { plugins: registry })
      times.push(performance.now() - t0)
      if (problems.some((p) => p.severity === 'error'))
        throw new Error(`benchmark flow is invalid: ${problems[0]!.message}`)
    }
    times.sort((a, b) => a - b)

    // Memory over 100,000 events (profiles cycle over 100 ids, so the store stays small).
    const engine = new Engine({ plugins: registry, store: new MemoryStateStore() })
    const loaded = engine.load(tenNodeFlow())
    for (let i = 0; i < 5000; i++)
      await engine.run(loaded, { event: benchEvent(i), trace: 'summary' })
    gc()
    const before = heapMb()
    for (let i = 0; i < 100000; i++)
      await engine.run(loaded, { event: benchEvent(i), trace: 'summary' })
    gc()
    const growth = heapMb() - before

    return [
      {
        name: '10-node flow, trace summary',
        value: Math.round(summary),
        unit: 'events/s',
        target: { value: 100000, better: 'higher' },
      },
      {
        name: '10-node flow, trace full',
        value: Math.round(full),
        unit: 'events/s',
        target: { value: 30000, better: 'higher' },
      },
      {
        name: `10-node flow, ${Math.round(payloadBytes / 1024)} KB event payload, trace summary`,
        value: Math.round(big),
        unit: 'events/s',
        target: { value: 20000, better: 'higher' },
      },
      {
        name: 'expression evaluation',
        value: Math.round(evals),
        unit: 'evals/s',
        target: { value: 2000000, better: 'higher' },
      },
      {
        name: 'validate 1,000-node flow (median)',
        value: round2(times[10]!),
        unit: 'ms',
        target: { value: 5, better: 'lower' },
      },
      {
        name: 'heap growth over 100,000 events',
        value: round2(growth),
        unit: 'MB',
        target: { value: 50, better: 'lower' },
      },
    ]
  },
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
