import { describe, expect, it } from 'vitest'
import type { EventName, EventPayload } from '../../src-shared/api/events'
import { apiEvents } from '../../src-shared/api/events'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { TestJobs } from '../testing/jobs'
import { ApiEventHub } from '../app/event-hub'

const flow = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['check', 'flow.if', { condition: 'event.properties.total > 10' }],
  ],
  ['start.payload -> check'],
)

function record(hub: ApiEventHub) {
  const heard: { event: EventName; payload: EventPayload<EventName> }[] = []
  hub.subscribe((event, payload) => {
    // Every payload main emits is what the contract's schema says: the renderer parses it as such.
    apiEvents[event].parse(payload)
    heard.push({ event, payload })
  })
  return heard
}

describe('test jobs tell their progress through the event hub', () => {
  it('announces each case start and result, the node progress of its run, and the job end', async () => {
    const hub = new ApiEventHub()
    const heard = record(hub)
    const jobs = new TestJobs(testRegistry(), () => undefined, undefined, hub)
    const cases = [
      { name: 'big', event: { properties: { total: 20 } }, expect: { status: 'succeeded' } },
      { name: 'wrong', event: { properties: { total: 1 } }, expect: { status: 'failed' } },
    ] as const
    const { jobId } = jobs.start(flow, cases.slice() as never)
    const ended = () => heard.some((h) => 'type' in h.payload && h.payload.type === 'jobFinished')
    for (let i = 0; i < 100 && !ended(); i++) await new Promise((r) => setTimeout(r, 10))

    const tests = heard
      .filter((h) => h.event === 'testProgress')
      .map((h) => h.payload as EventPayload<'testProgress'>)
    expect(tests.map((p) => [p.type, 'index' in p ? p.index : undefined])).toEqual([
      ['caseStarted', 0],
      ['caseFinished', undefined],
      ['caseStarted', 1],
      ['caseFinished', undefined],
      ['jobFinished', undefined],
    ])
    expect(tests[3]).toMatchObject({ case: { name: 'wrong', passed: false }, done: 2, failed: 1 })
    expect(tests[4]).toMatchObject({ jobId, status: { finished: true, passed: 1, failed: 1 } })

    const nodes = heard
      .filter((h) => h.event === 'runProgress')
      .map((h) => h.payload as EventPayload<'runProgress'>)
    expect(nodes.filter((p) => p.origin.kind === 'test' && p.origin.index === 0)).toEqual([
      expect.objectContaining({ type: 'nodeStarted', nodeId: 'start' }),
      expect.objectContaining({ type: 'nodeFinished', nodeId: 'start', status: 'ok' }),
      expect.objectContaining({ type: 'nodeStarted', nodeId: 'check' }),
      expect.objectContaining({ type: 'nodeFinished', nodeId: 'check', status: 'ok' }),
      expect.objectContaining({ type: 'runFinished', status: 'succeeded' }),
    ])
  })
})
