import { describe, expect, it } from 'vitest'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { CoverageRecorder } from './coverage'
import { runTests } from './run-tests'

const plugins = testRegistry()

async function coverageAfter(flow: Flow, cases: TestCase[], subflows: Flow[] = []) {
  const recorder = new CoverageRecorder(plugins)
  const byId = new Map(subflows.map((f) => [f.id, f]))
  const suite = await runTests(flow, cases, {
    plugins,
    coverage: recorder,
    resolveFlow: (id) => byId.get(id),
  })
  expect(suite.cases.map((c) => c.error ?? c.unmet)).toEqual(cases.map(() => []))
  return recorder
}

const ifFlow = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['check', 'flow.if', { condition: 'event.properties.total > 100' }],
    ['big', 'data.set', { values: { 'flow@size': 'big' } }],
    ['small', 'data.set', { values: { 'flow@size': 'small' } }],
  ],
  ['start.payload -> check', 'check.true -> big', 'check.false -> small'],
  'if-flow',
)

describe('flow coverage', () => {
  it('counts nodes, ports, branches and edges one branch reached, and lists what was never reached', async () => {
    const coverage = (
      await coverageAfter(ifFlow, [{ name: 'big', event: { properties: { total: 500 } } }])
    ).coverage('if-flow')!
    expect(coverage.runs).toBe(1)
    expect(coverage.nodes).toEqual({ covered: 3, total: 4, percent: 75, uncovered: ['small'] })
    expect(coverage.branches).toEqual({
      covered: 1,
      total: 2,
      percent: 50,
      uncovered: [{ nodeId: 'check', port: 'false' }],
    })
    // start.payload, check.true, check.false, big.payload, small.payload; no error port is wired.
    expect(coverage.ports.total).toBe(5)
    expect(coverage.ports.uncovered).toEqual([
      { nodeId: 'check', port: 'false' },
      { nodeId: 'small', port: 'payload' },
    ])
    expect(coverage.edges).toMatchObject({ covered: 2, total: 3, uncovered: ['e3'] })
  })

  it('adds up the cases of a suite: both branches taken is full coverage', async () => {
    const coverage = (
      await coverageAfter(ifFlow, [
        { name: 'big', event: { properties: { total: 500 } } },
        { name: 'small', event: { properties: { total: 5 } } },
      ])
    ).coverage('if-flow')!
    expect([
      coverage.nodes.percent,
      coverage.ports.percent,
      coverage.branches.percent,
      coverage.edges.percent,
    ]).toEqual([100, 100, 100, 100])
    expect(coverage.runs).toBe(2)
  })

  it('counts a wired error port, covered only when a case makes the node fail', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['call', 'http.request', { url: 'https://example.com' }],
        ['ok', 'data.set', { values: { 'flow@ok': true } }],
        ['handle', 'data.set', { values: { 'flow@failed': true } }],
      ],
      ['start.payload -> call', 'call.response -> ok', 'call.error -> handle'],
      'errors',
    )
    const happy: TestCase = {
      name: 'ok',
      event: {},
      mocks: { call: { port: 'response', value: { status: 200 } } },
    }
    const only = (await coverageAfter(flow, [happy])).coverage('errors')!
    expect(only.ports.uncovered).toEqual([
      { nodeId: 'call', port: 'error' },
      { nodeId: 'handle', port: 'payload' },
    ])
    expect(only.nodes.uncovered).toEqual(['handle'])

    const failing: TestCase = {
      name: 'down',
      event: {},
      mocks: { call: { port: 'error', value: { message: 'down' } } },
    }
    const both = (await coverageAfter(flow, [happy, failing])).coverage('errors')!
    expect(both.ports).toMatchObject({ covered: 5, total: 5, uncovered: [] })
    // No decision nodes: nothing to cover is full coverage, not 0 of 0.
    expect(both.branches).toMatchObject({ covered: 0, total: 0, percent: 100 })
  })

  it("counts each switch case and the default as a branch, and an unwired node's error as fired but never as a port to cover", async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'route',
          'flow.switch',
          {
            value: 'event.properties.priority',
            cases: [
              { port: 'high', equals: 'high' },
              { port: 'low', equals: 'low' },
            ],
          },
        ],
        ['urgent', 'data.set', { values: { 'flow@queue': 'urgent' } }],
        ['other', 'data.set', { values: { 'flow@queue': 'normal' } }],
      ],
      ['start.payload -> route', 'route.high -> urgent', 'route.default -> other'],
      'switch',
    )
    const coverage = (
      await coverageAfter(flow, [
        { name: 'high', event: { properties: { priority: 'high' } } },
        { name: 'none', event: { properties: {} } },
      ])
    ).coverage('switch')!
    expect(coverage.branches).toEqual({
      covered: 2,
      total: 3,
      percent: 66.6,
      uncovered: [{ nodeId: 'route', port: 'low' }],
    })
    expect(coverage.ports.uncovered).toEqual([{ nodeId: 'route', port: 'low' }])
    expect(coverage.ports.uncovered.some((p) => p.port === 'error')).toBe(false)
  })

  it('counts a subflow run through flow.subflow toward its own flow, not the parent', async () => {
    const child = buildFlow(
      [
        ['in', 'trigger.subflow'],
        ['gate', 'flow.if', { condition: 'payload.n > 10' }],
        ['many', 'flow.end', { result: "'many'" }],
        ['few', 'flow.end', { result: "'few'" }],
      ],
      ['in.payload -> gate', 'gate.true -> many', 'gate.false -> few'],
      'child',
    )
    const parent = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['call', 'flow.subflow', { flowId: 'child', input: 'event.properties' }],
        ['keep', 'data.set', { values: { 'flow@answer': 'payload@' } }],
      ],
      ['start.payload -> call', 'call.result -> keep'],
      'parent',
    )
    const recorder = await coverageAfter(
      parent,
      [{ name: 'many', event: { properties: { n: 50 } } }],
      [child],
    )
    expect(recorder.all().map((c) => c.flowId)).toEqual(['parent', 'child'])
    expect(recorder.coverage('parent')!.nodes.percent).toBe(100)
    const childCoverage = recorder.coverage('child')!
    expect(childCoverage.runs).toBe(1)
    expect(childCoverage.nodes.uncovered).toEqual(['few'])
    expect(childCoverage.branches.uncovered).toEqual([{ nodeId: 'gate', port: 'false' }])
  })

  it('reports a flow whose cases never ran as 0%', async () => {
    const recorder = new CoverageRecorder(plugins)
    await runTests(ifFlow, [], { plugins, coverage: recorder })
    expect(recorder.coverage('if-flow')).toMatchObject({
      runs: 0,
      nodes: { covered: 0, percent: 0 },
      branches: { percent: 0 },
    })
  })
})
