import { describe, expect, it } from 'vitest'
import { nodeRecord, reportOf } from '../../test/fixtures/reports'
import { expectationsFromRun } from './expectations-from-run'

describe('expectations taken from a run', () => {
  it('expects the status, the nodes reached and the profile values the run changed', () => {
    const report = reportOf(
      [
        nodeRecord('start', 'ok', 1),
        nodeRecord('count', 'ok', 2),
        nodeRecord('count', 'ok', 3),
        nodeRecord('tag', 'skipped', 4),
      ],
      {
        state: {
          event: {},
          profile: {
            id: 'p1',
            updatedAt: '2026-01-01',
            traits: { purchases: 3, 'a/b': 1 },
            segments: ['vip'],
          },
          session: {},
          flow: {},
        },
        changes: {
          profile: [
            { op: 'replace', path: '/traits/purchases', value: 3, oldValue: 2 },
            { op: 'add', path: '/traits/a~1b', value: 1 },
            { op: 'add', path: '/segments/0', value: 'vip' },
            { op: 'replace', path: '/updatedAt', value: '2026-01-01' },
            { op: 'remove', path: '/traits/old', oldValue: 1 },
          ],
          session: [],
          event: [],
        },
      },
    )
    expect(expectationsFromRun(report)).toEqual({
      status: 'succeeded',
      reached: ['start', 'count'],
      profile: { 'traits.purchases': 3, 'traits.a/b': 1, 'segments.0': 'vip' },
    })
  })

  it('does not expect values the run generated for the event (its id and time differ every run)', () => {
    const report = reportOf([nodeRecord('start', 'ok', 1)], {
      state: {
        event: { id: 'e-1', time: '2026-01-01T10:00:00Z', type: 'purchase' },
        profile: { traits: { since: '2026-01-01T10:00:00Z', lastEvent: 'e-1', tier: 'gold' } },
        session: {},
        flow: {},
      },
      changes: {
        profile: [
          { op: 'add', path: '/traits/since', value: '2026-01-01T10:00:00Z' },
          { op: 'add', path: '/traits/lastEvent', value: 'e-1' },
          { op: 'add', path: '/traits/tier', value: 'gold' },
        ],
        session: [],
        event: [],
      },
    })
    expect(expectationsFromRun(report, { type: 'purchase' }).profile).toEqual({
      'traits.tier': 'gold',
    })
    // A time the case's event gives is the same every run: expected.
    expect(
      expectationsFromRun(report, { type: 'purchase', time: '2026-01-01T10:00:00Z' }).profile,
    ).toEqual({ 'traits.since': '2026-01-01T10:00:00Z', 'traits.tier': 'gold' })
  })

  it('leaves the profile out when the run changed none, and keeps a failed status', () => {
    expect(
      expectationsFromRun(reportOf([nodeRecord('start', 'ok', 1)], { status: 'failed' })),
    ).toEqual({ status: 'failed', reached: ['start'] })
  })
})
