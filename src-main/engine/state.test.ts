import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'
import type { RunCommit } from './state-store'
import { MemoryStateStore } from './state-store'

class SpyStore extends MemoryStateStore {
  commits: RunCommit[] = []
  override commit(commit: RunCommit): void {
    this.commits.push(structuredClone(commit))
    super.commit(commit)
  }
}

const counter = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['count', 'data.increment', { path: 'profile@traits.visits' }],
    [
      'remember',
      'data.set',
      {
        values: {
          'session@context.last': 'event@type',
          'flow@seen': '{{ profile.traits.visits }}',
        },
      },
    ],
  ],
  ['start.payload -> count', 'count.payload -> remember'],
)

describe('state: event, profile, session, flow, node, nodes, payload', () => {
  it('creates a new profile when the event names none, and sets the event profileId', async () => {
    const store = new SpyStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    const report = await engine.run(engine.load(counter), { event: { type: 'visit' } })
    const profile = report.state.profile as { id: string; traits: { visits: number } }
    expect(profile.id).toMatch(/[0-9a-f-]{36}/)
    expect(profile.traits.visits).toBe(1)
    expect((report.state.event as { profileId: string }).profileId).toBe(profile.id)
    expect(store.commits).toHaveLength(1)
  })

  it('loads the profile by profileId, so changes accumulate across runs', async () => {
    const store = new SpyStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    const loaded = engine.load(counter)
    await engine.run(loaded, { event: { type: 'visit', profileId: 'ann' } })
    const second = await engine.run(loaded, { event: { type: 'visit', profileId: 'ann' } })
    expect((second.state.profile as { traits: { visits: number } }).traits.visits).toBe(2)
    expect(second.changes.profile).toEqual([
      { op: 'replace', path: '/traits/visits', value: 2, oldValue: 1 },
    ])
  })

  it('loads the profile through the session when only sessionId is given', async () => {
    const store = new SpyStore()
    store.profiles.set('bob', {
      id: 'bob',
      traits: { visits: 41 },
      segments: [],
      interests: {},
      consents: {},
      createdAt: 't',
      updatedAt: 't',
    })
    store.sessions.set('s1', {
      id: 's1',
      profileId: 'bob',
      context: {},
      createdAt: 't',
      updatedAt: 't',
    })
    const engine = new Engine({ plugins: testRegistry(), store })
    const report = await engine.run(engine.load(counter), {
      event: { type: 'visit', sessionId: 's1' },
    })
    expect((report.state.profile as { id: string }).id).toBe('bob')
    expect(store.profiles.get('bob')!.traits.visits).toBe(42)
    expect(store.sessions.get('s1')!.context).toEqual({ last: 'visit' })
  })

  it('hands all changes to the store in one commit with diffs of profile, session and event', async () => {
    const store = new SpyStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    await engine.run(engine.load(counter), {
      event: { type: 'visit', profileId: 'cy', sessionId: 'sx' },
    })
    expect(store.commits).toHaveLength(1)
    const [commit] = store.commits
    expect(commit!.changes.profile).toEqual([{ op: 'add', path: '/traits/visits', value: 1 }])
    expect(commit!.changes.session).toEqual([{ op: 'add', path: '/context/last', value: 'visit' }])
    expect(commit!.session!.id).toBe('sx')
  })

  it('uses a starting profile given with the run instead of the stored one', async () => {
    const store = new SpyStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    const report = await engine.run(engine.load(counter), {
      event: { type: 'visit' },
      profile: { id: 'given', traits: { visits: 10 } },
    })
    expect((report.state.profile as { traits: { visits: number } }).traits.visits).toBe(11)
  })

  it('gives each node a private node context and all nodes a shared flow context', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['a', 'data.set', { values: { 'node@mine': 'a', 'flow@shared': 'from a' } }],
        [
          'b',
          'data.set',
          { values: { 'flow@bSawNode': '{{ node.mine }}', 'flow@bSawFlow': 'flow@shared' } },
        ],
      ],
      ['start.payload -> a', 'a.payload -> b'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(report.state.flow).toEqual({ shared: 'from a', bSawNode: null, bSawFlow: 'from a' })
  })

  it('lets later nodes read earlier outputs through nodes', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['check', 'flow.if', { condition: 'event.properties.n > 1' }],
        [
          'use',
          'data.set',
          { values: { 'flow@checked': '{{ nodes.check.outputs.true.properties.n }}' } },
        ],
      ],
      ['start.payload -> check', 'check.true -> use'],
    )
    const report = await engine.run(engine.load(f), { event: { properties: { n: 5 } } })
    expect(report.state.flow).toEqual({ checked: 5 })
  })

  it('refuses an event that is not an object', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    await expect(engine.run(engine.load(counter), { event: [1, 2] })).rejects.toThrow(
      /event must be a JSON object/,
    )
    await expect(engine.run(engine.load(counter), { event: { properties: 'x' } })).rejects.toThrow(
      /"properties" must be an object/,
    )
  })

  it('fills in the event fields of design §3', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const report = await engine.run(engine.load(counter), { event: { properties: { a: 1 } } })
    expect(Object.keys(report.state.event as object).sort()).toEqual([
      'context',
      'id',
      'profileId',
      'properties',
      'sessionId',
      'source',
      'time',
      'type',
    ])
    expect(Object.keys(report.state.profile as object).sort()).toEqual([
      'consents',
      'createdAt',
      'id',
      'interests',
      'segments',
      'traits',
      'updatedAt',
    ])
    expect(Object.keys(report.state.session as object).sort()).toEqual([
      'context',
      'createdAt',
      'id',
      'profileId',
      'updatedAt',
    ])
  })
})

describe('inputs', () => {
  it('leaves the caller’s event, profile and session untouched', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const event = { type: 'visit', properties: { a: 1 } }
    const profile = { id: 'p', traits: { visits: 1 } }
    const session = { id: 's', context: {} }
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'write',
          'data.set',
          {
            values: { 'event@properties.b': 2, 'profile@traits.visits': 5, 'session@context.x': 1 },
          },
        ],
      ],
      ['start.payload -> write'],
    )
    await engine.run(engine.load(flow), { event, profile, session })
    expect(event).toEqual({ type: 'visit', properties: { a: 1 } })
    expect(profile).toEqual({ id: 'p', traits: { visits: 1 } })
    expect(session).toEqual({ id: 's', context: {} })
  })
})
