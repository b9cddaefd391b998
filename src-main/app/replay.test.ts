import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { buildFlow } from '../../test/fixtures/flows'
import { Engine } from '../engine/runner'
import { MemoryStateStore } from '../engine/state-store'
import { PluginRegistry } from '../plugins-host/registry'
import { Replay, revertChanges } from './replay'

const plugins = PluginRegistry.withBuiltins()

// A real endpoint, so a replay that reached the network would be seen here.
let hits = 0
let url = ''
const server = createServer((_req, res) => {
  hits++
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"score":99}')
})
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Scores the customer over HTTP, then tiers the profile on the score. */
function scoring(threshold: number): Flow {
  return buildFlow(
    [
      ['start', 'trigger.manual'],
      ['call', 'http.request', { method: 'GET', url }],
      ['check', 'flow.if', { condition: `payload.body.score > ${threshold}` }],
      [
        'gold',
        'data.set',
        {
          values: {
            'profile@traits.previous': 'profile@traits.tier',
            'profile@traits.tier': 'gold',
          },
        },
      ],
      ['basic', 'data.set', { values: { 'profile@traits.tier': 'basic' } }],
    ],
    [
      'start.payload -> call',
      'call.response -> check',
      'check.true -> gold',
      'check.false -> basic',
    ],
    'scoring',
  )
}

/** Tiers on the event alone. */
function tiering(threshold: number): Flow {
  return buildFlow(
    [
      ['start', 'trigger.manual'],
      ['call', 'http.request', { method: 'POST', url }],
      ['check', 'flow.if', { condition: `event.properties.total > ${threshold}` }],
      ['gold', 'data.set', { values: { 'profile@traits.tier': 'gold' } }],
      ['basic', 'data.set', { values: { 'profile@traits.tier': 'basic' } }],
    ],
    [
      'start.payload -> call',
      'call.response -> check',
      'check.true -> gold',
      'check.false -> basic',
    ],
    'tiering',
  )
}

describe('replay', () => {
  it('groups the events a changed branch treats differently, with examples, and never calls the network', async () => {
    const replay = new Replay({
      plugins,
      draft: { flow: tiering(50) },
      baseline: { flow: tiering(100) },
    })
    const events = [30, 70, 150, 80].map((total, index) => ({
      index,
      event: { id: `evt-${index + 1}`, properties: { total } },
    }))
    const summary = await replay.addAll(events)
    expect(hits).toBe(0)
    expect(summary).toMatchObject({
      events: 4,
      differing: 2,
      invalid: 0,
      answered: { recorded: 0, mocked: 8 },
    })
    expect(summary.groups.map((g) => [g.kind, g.summary, g.count])).toEqual([
      ['path', 'path: now runs gold; no longer runs basic', 2],
      ['profile', 'profile traits.tier', 2],
      ['outputs', 'outputs of check', 2],
    ])
    const profile = summary.groups.find((g) => g.kind === 'profile')!
    expect(profile.examples).toEqual([
      {
        index: 1,
        eventId: 'evt-2',
        production: { 'traits.tier': 'basic' },
        draft: { 'traits.tier': 'gold' },
      },
      {
        index: 3,
        eventId: 'evt-4',
        production: { 'traits.tier': 'basic' },
        draft: { 'traits.tier': 'gold' },
      },
    ])
  })

  it('reports a changed final status and counts unreadable events apart', async () => {
    const broken = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['stop', 'flow.throw', { message: 'no' }],
      ],
      ['start.payload -> stop'],
      'tiering',
    )
    const replay = new Replay({
      plugins,
      draft: { flow: broken },
      baseline: { flow: tiering(100) },
    })
    const summary = await replay.addAll([
      { index: 0, event: { properties: { total: 1 } } },
      { index: 1, event: 'not an object' },
      { index: 2, event: null, error: 'line 3: not valid JSON' },
    ])
    expect(summary).toMatchObject({ events: 3, differing: 1, invalid: 2 })
    expect(summary.groups[0]).toMatchObject({
      kind: 'status',
      summary: 'status succeeded → failed',
      count: 1,
    })
    expect(summary.groups[0]!.examples[0]!.eventId).toBe('replay-1')
  })

  it("answers http.request from the event's recorded run, and starts from the profile as it was", async () => {
    // The run as serve would have recorded it: the service answered a score of 70, and the run
    // made the stored profile gold (it was silver before).
    const engine = new Engine({ plugins, store: new MemoryStateStore() })
    const recorded = await engine.run(engine.load(scoring(50)), {
      event: { id: 'evt-1', profileId: 'ann' },
      profile: { id: 'ann', traits: { tier: 'silver', since: 2020 } },
      mocks: {
        call: { port: 'response', value: { status: 200, headers: {}, body: { score: 70 } } },
      },
      testing: true,
    })
    expect(recorded.changes.profile).toContainEqual({
      op: 'replace',
      path: '/traits/tier',
      value: 'gold',
      oldValue: 'silver',
    })
    const replay = new Replay({
      plugins,
      draft: { flow: scoring(80) },
      baseline: { flow: scoring(50) },
      // The store has moved on since; the replay must not start from today's profile.
      loadProfile: () => ({
        id: 'ann',
        traits: { tier: 'platinum' },
        segments: [],
        interests: {},
        consents: {},
        createdAt: '',
        updatedAt: '',
      }),
    })
    const summary = await replay.addAll([
      { index: 0, event: { id: 'evt-1', profileId: 'ann' }, recorded },
    ])
    expect(hits).toBe(0)
    expect(summary.answered).toEqual({ recorded: 2, mocked: 0 })
    // Only the recorded score (70) sits between the two thresholds; a made-up answer would not.
    // `previous` shows the starting tier: silver as recorded, not today's platinum.
    expect(summary.groups.find((g) => g.kind === 'profile')!.examples[0]).toMatchObject({
      production: { 'traits.previous': 'silver', 'traits.tier': 'gold' },
      draft: { 'traits.previous': '(unchanged)', 'traits.tier': 'basic' },
    })
  })

  it('reverts recorded changes to recover the starting document', () => {
    const after = { id: 'p', traits: { tier: 'gold', new: 1, 'a/b': 2 } }
    const before = revertChanges(after, [
      { op: 'replace', path: '/traits/tier', value: 'gold', oldValue: 'silver' },
      { op: 'add', path: '/traits/new', value: 1 },
      { op: 'replace', path: '/traits/a~1b', value: 2, oldValue: 1 },
      { op: 'remove', path: '/traits/old', oldValue: true },
    ])
    expect(before).toEqual({ id: 'p', traits: { tier: 'silver', 'a/b': 1, old: true } })
    expect(after.traits.tier).toBe('gold')
  })
})
