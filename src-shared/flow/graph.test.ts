import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { flowUpTo } from './graph'

describe('the part of a flow that runs up to a node', () => {
  // start → check →true→ tag → notify;  check →false→ log;  start → audit;  tag + audit → join
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['check', 'flow.if', { condition: 'true' }],
      ['tag', 'profile.add-segment', { segment: 'vip' }],
      ['notify', 'flow.log'],
      ['log', 'flow.log'],
      ['audit', 'flow.log'],
      ['join', 'flow.join'],
    ],
    [
      'start.payload -> check',
      'check.true -> tag',
      'tag.payload -> notify',
      'check.false -> log',
      'start.payload -> audit',
      'tag.payload -> join',
      'audit.payload -> join',
    ],
  )

  it('keeps the node and what it depends on, and leaves out what comes after or beside it', () => {
    const part = flowUpTo(flow, 'tag')
    expect(part.nodes.map((n) => n.id)).toEqual(['start', 'check', 'tag'])
    expect(part.edges.map((e) => e.id)).toEqual(['e1', 'e2'])
    expect(part.id).toBe(flow.id)
    expect(part.tests).toBe(flow.tests)
  })

  it('keeps every branch a joining node waits for', () => {
    const part = flowUpTo(flow, 'join')
    expect(part.nodes.map((n) => n.id).sort()).toEqual(['audit', 'check', 'join', 'start', 'tag'])
    expect(part.edges.map((e) => e.id)).toEqual(['e1', 'e2', 'e5', 'e6', 'e7'])
  })

  it('is the trigger alone when run to the trigger', () => {
    expect(flowUpTo(flow, 'start').nodes.map((n) => n.id)).toEqual(['start'])
    expect(flowUpTo(flow, 'start').edges).toEqual([])
  })
})
