import { describe, expect, it } from 'vitest'
import type { TestCase } from '../../src-shared/flow/types'
import { nodeRecord as record, reportOf as report } from '../../test/fixtures/reports'
import { caseFromReport, firstCaseRun, overlayOf, previewSamples, withMock } from './run-trace'

describe('the overlay a run paints on the canvas', () => {
  it('gives each node its first run order and marks it failed if any of its runs failed', () => {
    const overlay = overlayOf(
      report([
        record('start', 'ok', 1),
        record('each', 'ok', 2),
        record('each', 'error', 3),
        record('each', 'ok', 4),
        record('late', 'skipped', 5),
      ]),
    )
    expect(overlay.nodes).toEqual({
      start: { status: 'ok', order: 1 },
      each: { status: 'error', order: 2 },
      late: { status: 'skipped', order: null },
    })
    expect(overlay.edges).toEqual({ e1: 'active', e2: 'inactive' })
  })

  it('shows a node as run when a later payload reached it after an earlier branch skipped it', () => {
    const overlay = overlayOf(report([record('join', 'skipped', 2), record('join', 'ok', 3)]))
    expect(overlay.nodes.join).toEqual({ status: 'ok', order: 3 })
  })
})

describe('a test case made from a run', () => {
  it('takes the event the trigger received and expects the status and the nodes reached', () => {
    const made = caseFromReport(
      report(
        [
          record('start', 'ok', 1, {
            input: {
              port: null,
              value: { type: 'purchase', properties: { total: 5 } },
              edgeId: null,
            },
          }),
          record('tag', 'ok', 2),
          record('tag', 'ok', 3),
          record('alert', 'skipped', 4),
        ],
        { status: 'failed' },
      ),
      'From run',
    )
    expect(made).toEqual({
      name: 'From run',
      event: { type: 'purchase', properties: { total: 5 } },
      expect: { status: 'failed', reached: ['start', 'tag'] },
    })
  })

  it("falls back to the run's final event when the trigger's input was not recorded", () => {
    expect(caseFromReport(report([record('start', 'ok', 1)]), 'x').event).toEqual({
      type: 'final',
    })
  })
})

describe("pinning a node's output as a mock", () => {
  const cases: TestCase[] = [
    { name: 'A', event: {}, mocks: { http: { port: 'response', value: 1 } } },
    { name: 'B', event: {} },
  ]

  it('adds the mock to the chosen case and keeps its other mocks', () => {
    const { tests, caseName } = withMock(cases, 0, 'crm', { port: 'payload', value: { ok: true } })
    expect(caseName).toBe('A')
    expect(tests[0]!.mocks).toEqual({
      http: { port: 'response', value: 1 },
      crm: { port: 'payload', value: { ok: true } },
    })
    expect(tests[1]).toBe(cases[1])
    expect(cases[0]!.mocks).not.toHaveProperty('crm')
  })

  it('makes a first case when the flow has none', () => {
    const { tests, caseName } = withMock([], 0, 'crm', { port: 'payload', value: 2 })
    expect(caseName).toBe('Case 1')
    expect(tests).toEqual([
      {
        name: 'Case 1',
        event: {},
        expect: { status: 'succeeded' },
        mocks: { crm: { port: 'payload', value: 2 } },
      },
    ])
  })
})

describe('what the Run button runs', () => {
  it("runs the first case's event, profile and mocks", () => {
    expect(
      firstCaseRun([
        {
          name: 'Gold',
          event: { type: 'purchase' },
          profile: { traits: { tier: 'gold' } },
          mocks: { http: { port: 'response', value: 1 } },
        },
        { name: 'Other', event: { type: 'other' } },
      ]),
    ).toEqual({
      event: { type: 'purchase' },
      profile: { traits: { tier: 'gold' } },
      mocks: { http: { port: 'response', value: 1 } },
      title: 'Run with “Gold”',
    })
  })

  it('runs an empty event when the flow has no cases', () => {
    expect(firstCaseRun(undefined)).toEqual({ event: {}, title: 'Run with an empty event' })
  })
})

describe('the samples the inspector previews against', () => {
  it("lists each case's event, then the last event used, each label once", () => {
    const samples = previewSamples(
      [
        { name: 'Gold', event: { type: 'a' }, profile: { traits: {} } },
        { name: '', event: { type: 'b' } },
        { name: 'Gold', event: { type: 'c' } },
      ],
      { event: { type: 'last' } },
    )
    expect(samples.map((s) => [s.label, s.event.type])).toEqual([
      ['the event of “Gold”', 'a'],
      ['the event of “Case 2”', 'b'],
      ['the last event used', 'last'],
    ])
    expect(samples[0]!.profile).toEqual({ traits: {} })
  })
})
