import { describe, expect, it } from 'vitest'
import { builtinPlugins } from '../../plugins'
import type { PluginMeta } from '../plugin-sdk'
import { CycleError, topologicalOrder } from './graph'
import type { Flow } from './types'
import { hasErrors, parseFlowJson, validateFlow } from './validate'

const byId = new Map<string, PluginMeta>(builtinPlugins.map((p) => [p.id, p]))
const plugins = { get: (id: string) => byId.get(id) }
const validate = (flow: unknown) => validateFlow(flow, { plugins })

const node = (id: string, plugin: string, config: Record<string, unknown> = {}) => ({
  id,
  plugin,
  position: { x: 0, y: 0 },
  config,
})
const edge = (
  id: string,
  source: string,
  sourcePort: string,
  target: string,
  targetPort = 'payload',
) => ({ id, source, sourcePort, target, targetPort })
const flow = (nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}): Flow =>
  ({ schemaVersion: 1, id: 'f', name: 'F', nodes, edges, ...extra }) as Flow

const valid = flow(
  [node('start', 'trigger.manual'), node('check', 'flow.if', { condition: 'event.x > 1' })],
  [edge('e1', 'start', 'payload', 'check')],
)

describe('validateFlow', () => {
  it('accepts a valid flow, with free metadata and tags', () => {
    expect(validate({ ...valid, tags: ['a'], metadata: { anything: { goes: [1] } } })).toEqual([])
  })

  it.each([
    ['invalid-flow', () => ({ ...valid, schemaVersion: 2 }), { path: '/schemaVersion' }],
    ['unknown-field', () => ({ ...valid, colour: 'red' }), { path: '/colour' }],
    [
      'unknown-field',
      () => flow([{ ...node('start', 'trigger.manual'), size: 3 }]),
      { path: '/nodes/0/size', nodeId: 'start' },
    ],
    [
      'unknown-field',
      () => ({ ...valid, edges: [{ ...edge('e1', 'start', 'payload', 'check'), style: 1 }] }),
      { path: '/edges/0/style', edgeId: 'e1' },
    ],
    ['no-entrypoint', () => flow([node('check', 'flow.if', { condition: 'true' })]), {}],
    [
      'multiple-entrypoints',
      () => flow([node('a', 'trigger.manual'), node('b', 'trigger.event', { eventTypes: [] })]),
      { nodeId: 'b', path: '/nodes/1' },
    ],
    [
      'unknown-plugin',
      () =>
        flow(
          [node('start', 'trigger.manual'), node('x', 'acme.nothing')],
          [edge('e1', 'start', 'payload', 'x')],
        ),
      { nodeId: 'x', path: '/nodes/1/plugin' },
    ],
    [
      'dangling-edge',
      () => ({ ...valid, edges: [edge('e1', 'start', 'payload', 'ghost')] }),
      { edgeId: 'e1', path: '/edges/0/target' },
    ],
    [
      'unknown-port',
      () => ({ ...valid, edges: [edge('e1', 'start', 'nope', 'check')] }),
      { edgeId: 'e1', path: '/edges/0/sourcePort' },
    ],
    [
      'unknown-port',
      () => ({ ...valid, edges: [edge('e1', 'check', 'true', 'start')] }),
      { edgeId: 'e1', path: '/edges/0/targetPort' },
    ],
    [
      'cycle',
      () =>
        flow(
          [
            node('start', 'trigger.manual'),
            node('a', 'flow.log', { message: 'x' }),
            node('b', 'flow.log', { message: 'y' }),
          ],
          [
            edge('e1', 'start', 'payload', 'a'),
            edge('e2', 'a', 'payload', 'b'),
            edge('e3', 'b', 'payload', 'a'),
          ],
        ),
      {},
    ],
    [
      'invalid-config',
      () =>
        flow(
          [node('start', 'trigger.manual'), node('check', 'flow.if', { condition: 7 })],
          [edge('e1', 'start', 'payload', 'check')],
        ),
      { nodeId: 'check', path: '/nodes/1/config/condition' },
    ],
    [
      'invalid-config',
      () =>
        flow(
          [node('start', 'trigger.manual'), node('check', 'flow.if', { condition: 'x', extra: 1 })],
          [edge('e1', 'start', 'payload', 'check')],
        ),
      { nodeId: 'check', path: '/nodes/1/config/extra' },
    ],
    [
      'invalid-expression',
      () =>
        flow(
          [node('start', 'trigger.manual'), node('check', 'flow.if', { condition: 'event.x >' })],
          [edge('e1', 'start', 'payload', 'check')],
        ),
      { nodeId: 'check', path: '/nodes/1/config/condition' },
    ],
    [
      'invalid-expression',
      () =>
        flow(
          [
            node('start', 'trigger.manual'),
            node('set', 'data.set', { values: { 'flow@a': '{{ event. }}' } }),
          ],
          [edge('e1', 'start', 'payload', 'set')],
        ),
      { nodeId: 'set', path: '/nodes/1/config/values/flow@a' },
    ],
    [
      'duplicate-id',
      () => flow([node('start', 'trigger.manual'), node('start', 'flow.log', { message: 'x' })]),
      { nodeId: 'start', path: '/nodes/1/id' },
    ],
    [
      'duplicate-id',
      () => ({
        ...valid,
        edges: [edge('e1', 'start', 'payload', 'check'), edge('e1', 'start', 'payload', 'check')],
      }),
      { edgeId: 'e1', path: '/edges/1/id' },
    ],
  ])('reports %s where it applies', (code, make, where) => {
    const problems = validate(make())
    const problem = problems.find((p) => p.code === code)
    expect(problem, JSON.stringify(problems)).toBeDefined()
    expect(problem).toMatchObject({ severity: 'error', ...where })
    expect(problem!.message.length).toBeGreaterThan(10)
    expect(hasErrors(problems)).toBe(true)
  })

  it('warns about unreachable nodes without making the flow invalid', () => {
    const problems = validate(
      flow([node('start', 'trigger.manual'), node('lonely', 'flow.log', { message: 'x' })]),
    )
    expect(problems).toEqual([
      expect.objectContaining({ code: 'unreachable-node', severity: 'warning', nodeId: 'lonely' }),
    ])
    expect(hasErrors(problems)).toBe(false)
  })

  it('knows the ports a switch gets from its cases', () => {
    const f = flow(
      [
        node('start', 'trigger.manual'),
        node('sw', 'flow.switch', { value: 'event.type', cases: [{ port: 'gold', equals: 'g' }] }),
        node('log', 'flow.log', { message: 'x' }),
      ],
      [edge('e1', 'start', 'payload', 'sw'), edge('e2', 'sw', 'gold', 'log')],
    )
    expect(validate(f)).toEqual([])
  })

  it('answers anything with problems and never throws', () => {
    for (const input of [
      null,
      3,
      'flow',
      [],
      { nodes: 'x' },
      { nodes: [null, 1, {}], edges: [null] },
      { ...valid, nodes: [{ ...node('a', 'flow.if'), config: 'str' }] },
    ]) {
      const problems = validate(input)
      expect(problems.length).toBeGreaterThan(0)
    }
  })
})

describe('parseFlowJson', () => {
  it('names the line and column of broken JSON', () => {
    const { problems } = parseFlowJson('{\n  "id": "a",\n  nodes: []\n}')
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'invalid-json',
        message: expect.stringContaining('line 3, column 3'),
      }),
    ])
  })
})

describe('topologicalOrder', () => {
  it('orders nodes after what feeds them and names a cycle', () => {
    expect(
      topologicalOrder(
        ['c', 'b', 'a'],
        [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'c' },
        ],
      ),
    ).toEqual(['a', 'b', 'c'])
    expect(() =>
      topologicalOrder(
        ['a', 'b', 'c'],
        [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'c' },
          { source: 'c', target: 'b' },
        ],
      ),
    ).toThrow(CycleError)
    try {
      topologicalOrder(['a', 'b'], [{ source: 'a', target: 'a' }])
    } catch (error) {
      expect((error as CycleError).nodeIds).toEqual(['a'])
    }
  })
})
