import { describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'

function engineWith(...flows: Flow[]) {
  const byId = new Map(flows.map((f) => [f.id, f]))
  return new Engine({ plugins: testRegistry(), resolveFlow: (id) => byId.get(id) })
}

const child = buildFlow(
  [
    ['in', 'trigger.subflow'],
    [
      'work',
      'data.set',
      {
        values: {
          'flow@doubled': '{{ payload.n * 2 }}',
          'profile@traits.touchedByChild': true,
          'flow@inherited': 'flow@parentValue',
        },
      },
    ],
    ['end', 'flow.end', { result: 'flow.doubled' }],
  ],
  ['in.payload -> work', 'work.payload -> end'],
  'double',
)

const parent = (inheritContext: boolean) =>
  buildFlow(
    [
      ['start', 'trigger.manual'],
      ['prep', 'data.set', { values: { 'flow@parentValue': 'p' } }],
      ['call', 'flow.subflow', { flowId: 'double', input: 'event.properties', inheritContext }],
      ['keep', 'data.set', { values: { 'flow@fromChild': 'payload@' } }],
    ],
    ['start.payload -> prep', 'prep.payload -> call', 'call.result -> keep'],
    'parent',
  )

describe('flow.subflow', () => {
  it("runs the child with the input and sends on flow.end's result", async () => {
    const engine = engineWith(child)
    const report = await engine.run(engine.load(parent(false)), {
      event: { properties: { n: 21 } },
    })
    expect(report.status).toBe('succeeded')
    expect((report.state.flow as { fromChild: unknown }).fromChild).toBe(42)
  })

  it("shares the profile, so the child's changes are part of the parent's run", async () => {
    const engine = engineWith(child)
    const report = await engine.run(engine.load(parent(false)), { event: { properties: { n: 1 } } })
    expect(
      (report.state.profile as { traits: Record<string, unknown> }).traits.touchedByChild,
    ).toBe(true)
    expect(report.changes.profile).toContainEqual({
      op: 'add',
      path: '/traits/touchedByChild',
      value: true,
    })
  })

  it('starts the child with a copy of the parent flow context only when inheriting', async () => {
    const withoutEnd = buildFlow(
      [
        ['in', 'trigger.subflow'],
        ['work', 'data.set', { values: { 'flow@inherited': 'flow@parentValue' } }],
      ],
      ['in.payload -> work'],
      'double',
    )
    const inherit = await engineWith(withoutEnd).run(engineWith(withoutEnd).load(parent(true)), {
      event: {},
    })
    expect((inherit.state.flow as { fromChild: { inherited: unknown } }).fromChild.inherited).toBe(
      'p',
    )
    const fresh = await engineWith(withoutEnd).run(engineWith(withoutEnd).load(parent(false)), {
      event: {},
    })
    expect(
      (fresh.state.flow as { fromChild: { inherited: unknown } }).fromChild.inherited,
    ).toBeNull()
  })

  it('is an error of the calling node when the child fails or is missing', async () => {
    const failing = buildFlow(
      [
        ['in', 'trigger.subflow'],
        ['boom', 'flow.throw', { message: 'child broke' }],
      ],
      ['in.payload -> boom'],
      'double',
    )
    const engine = engineWith(failing)
    const report = await engine.run(engine.load(parent(false)), { event: {} })
    expect(report.status).toBe('failed')
    expect(report.errors[0]).toMatchObject({ nodeId: 'call', code: 'subflow-failed' })
    expect(report.errors[0]!.message).toContain('child broke')
    const missing = engineWith()
    const r2 = await missing.run(missing.load(parent(false)), { event: {} })
    expect(r2.errors[0]).toMatchObject({ nodeId: 'call', code: 'unknown-flow' })
  })

  it('stops runaway recursion with a depth limit', async () => {
    const recursive = buildFlow(
      [
        ['in', 'trigger.subflow'],
        ['again', 'flow.subflow', { flowId: 'loop' }],
      ],
      ['in.payload -> again'],
      'loop',
    )
    const engine = engineWith(recursive)
    const report = await engine.run(engine.load(recursive), { event: {} })
    expect(report.status).toBe('failed')
    expect(report.errors[0]!.message).toMatch(/deeper than 8 levels/)
  })
})
