import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { nodeRecord, reportOf } from '../../test/fixtures/reports'
import { failureCause } from './failure-cause'

// start → count → threshold →true→ tag → since;  threshold →false→ small
const { edges } = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['count', 'data.increment'],
    ['threshold', 'flow.if'],
    ['tag', 'profile.add-segment'],
    ['since', 'data.set'],
    ['small', 'flow.log'],
  ],
  [
    'start.payload -> count',
    'count.payload -> threshold',
    'threshold.true -> tag',
    'tag.payload -> since',
    'threshold.false -> small',
  ],
)

const wentFalse = reportOf([
  nodeRecord('start', 'ok', 1),
  nodeRecord('count', 'ok', 2),
  nodeRecord('threshold', 'ok', 3),
  nodeRecord('small', 'ok', 4),
  nodeRecord('tag', 'skipped', 5),
  nodeRecord('since', 'skipped', 6),
])

const unmet = (kind: string, target: string) => ({
  kind,
  target,
  expected: null,
  actual: null,
  message: `${kind} ${target}`,
})

describe('where a failing case went wrong', () => {
  it('points at the last node that ran before a node the case expected to reach', () => {
    const cause = failureCause(
      [unmet('reached', 'since'), unmet('reached', 'tag')],
      wentFalse,
      edges,
    )
    expect(cause?.nodeId).toBe('threshold')
    expect(cause?.why).toMatch(/left the expected path after “threshold”/)
  })

  it('points at a node the case expected not to reach, when it is the first to go wrong', () => {
    expect(failureCause([unmet('notReached', 'small')], wentFalse, edges)?.nodeId).toBe('small')
    // Both: the earlier one in the run wins (threshold ran before small).
    expect(
      failureCause([unmet('notReached', 'small'), unmet('reached', 'tag')], wentFalse, edges)
        ?.nodeId,
    ).toBe('threshold')
  })

  it('points at the node that failed', () => {
    const failed = reportOf(
      [
        nodeRecord('start', 'ok', 1),
        nodeRecord('count', 'error', 2, {
          error: { message: 'not a number', code: 'bad', nodeId: 'count' },
        }),
        nodeRecord('threshold', 'skipped', 3),
      ],
      { status: 'failed' },
    )
    const cause = failureCause([unmet('status', 'run'), unmet('reached', 'tag')], failed, edges)
    expect(cause).toEqual({ nodeId: 'count', why: '“count” failed: not a number' })
  })

  it('points at a node that sent on the wrong port, or at what ran before one that never ran', () => {
    expect(failureCause([unmet('output', 'threshold.true')], wentFalse, edges)?.nodeId).toBe(
      'threshold',
    )
    expect(failureCause([unmet('output', 'since.payload')], wentFalse, edges)?.nodeId).toBe(
      'threshold',
    )
  })

  it('has nothing to point at when only values differ', () => {
    expect(failureCause([unmet('profile', 'profile.traits.vip')], wentFalse, edges)).toBeNull()
  })
})
