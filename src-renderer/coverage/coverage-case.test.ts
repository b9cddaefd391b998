import { describe, expect, it } from 'vitest'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import { buildFlow } from '../../test/fixtures/flows'
import { caseForPort, uncoveredByNode } from './coverage-case'

const flow = buildFlow(
  [
    ['start', 'trigger.event', { eventTypes: ['purchase'] }],
    ['check', 'flow.if', { condition: 'event.properties.total > 100' }],
  ],
  ['start.payload -> check'],
)

describe('a test case for an uncovered port', () => {
  it("starts from the first case's event and expects the node to send on the port", () => {
    const withCases = {
      ...flow,
      tests: [
        { name: 'Reach check.false', event: { type: 'purchase', properties: { total: 500 } } },
      ],
    }
    const made = caseForPort(withCases, 'check', 'false')
    expect(made).toEqual({
      name: 'Reach check.false (2)',
      event: { type: 'purchase', properties: { total: 500 } },
      expect: { status: 'succeeded', outputs: { check: { port: 'false' } } },
    })
    expect(made.event).not.toBe(withCases.tests[0]!.event)
  })

  it('without cases, starts from an event the trigger accepts', () => {
    expect(caseForPort(flow, 'check', 'true').event).toEqual({ type: 'purchase', properties: {} })
  })

  it('maps coverage to what each node paints', () => {
    const coverage = {
      nodes: { uncovered: ['small'] },
      ports: {
        uncovered: [
          { nodeId: 'check', port: 'false' },
          { nodeId: 'small', port: 'payload' },
        ],
      },
    } as unknown as FlowCoverage
    expect(uncoveredByNode(coverage)).toEqual(
      new Map([
        ['small', { nodeUncovered: true, uncoveredPorts: ['payload'] }],
        ['check', { nodeUncovered: false, uncoveredPorts: ['false'] }],
      ]),
    )
  })
})
