import { describe, expect, it } from 'vitest'
import type { EventRecord, ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import { buildFlow, sampleEvent, sampleFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from '../engine/runner'
import type { RunCommit } from '../engine/state-store'
import { Store } from './store'
import { countRows, tempDir } from './test-support'

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()

function profile(id: string, visits: number, updatedAt = at(visits)): ProfileRecord {
  return {
    id,
    traits: { visits },
    segments: [],
    interests: {},
    consents: {},
    createdAt: at(0),
    updatedAt,
  }
}

function session(id: string, profileId: string): SessionRecord {
  return { id, profileId, context: { page: '/' }, createdAt: at(0), updatedAt: at(1) }
}

function event(id: string, profileId: string, sessionId: string | null): EventRecord {
  return {
    id,
    type: 'page-view',
    source: 'test',
    time: at(2),
    properties: { n: 1 },
    context: {},
    profileId,
    sessionId,
  }
}

function commit(p: ProfileRecord, s: SessionRecord | null, e: EventRecord): RunCommit {
  return {
    runId: `run-${e.id}`,
    flowId: 'f',
    event: e,
    profile: p,
    session: s,
    changes: { profile: [], session: [], event: [] },
  }
}

describe('SQLite state store', () => {
  it('saves profile, session and event of a commit and loads them by id', () => {
    const dir = tempDir()
    const store = Store.open(dir)
    const { state } = store
    expect(state.loadProfile('ann')).toBeNull()
    expect(state.loadSession('s1')).toBeNull()
    state.commit(commit(profile('ann', 1), session('s1', 'ann'), event('e1', 'ann', 's1')))
    state.commit(commit(profile('ann', 2), null, event('e2', 'ann', null)))
    expect(state.loadProfile('ann')).toEqual(profile('ann', 2))
    expect(state.loadSession('s1')).toEqual(session('s1', 'ann'))
    expect(state.getEvent('e1')).toEqual(event('e1', 'ann', 's1'))
    expect(state.getEvent('e2')).toEqual(event('e2', 'ann', null))
    store.close()

    const reopened = Store.open(dir)
    expect(reopened.state.getProfile('ann')).toEqual(profile('ann', 2))
    expect(reopened.state.getSession('s1')).toEqual(session('s1', 'ann'))
    // A commit without a session leaves sessions alone.
    expect(countRows(reopened.file, 'sessions')).toBe(1)
    reopened.close()
  })

  it('lists the most recently updated profiles first', () => {
    const store = Store.open(tempDir())
    store.state.commit(commit(profile('a', 1, at(10)), null, event('e1', 'a', null)))
    store.state.commit(commit(profile('b', 1, at(30)), null, event('e2', 'b', null)))
    store.state.commit(commit(profile('c', 1, at(20)), null, event('e3', 'c', null)))
    expect(store.state.listProfiles().map((p) => p.id)).toEqual(['b', 'c', 'a'])
    expect(store.state.listProfiles(2).map((p) => p.id)).toEqual(['b', 'c'])
    store.close()
  })

  it('commits atomically: a failure part-way leaves nothing of the commit behind', () => {
    const store = Store.open(tempDir())
    store.state.commit(commit(profile('ann', 1), session('s1', 'ann'), event('e1', 'ann', 's1')))
    // The event's type is NOT NULL: its insert, the last statement, fails after the profile
    // and session upserts ran inside the same transaction.
    const broken = { ...event('e2', 'ann', 's1'), type: null } as unknown as EventRecord
    const changedSession = { ...session('s1', 'ann'), context: { page: '/changed' } }
    expect(() => store.state.commit(commit(profile('ann', 99), changedSession, broken))).toThrow(
      /NOT NULL/,
    )
    expect(store.state.loadProfile('ann')).toEqual(profile('ann', 1))
    expect(store.state.loadSession('s1')).toEqual(session('s1', 'ann'))
    expect(store.state.getEvent('e2')).toBeNull()
    // And the store goes on working.
    store.state.commit(commit(profile('ann', 2), null, event('e3', 'ann', null)))
    expect(store.state.loadProfile('ann')!.traits.visits).toBe(2)
    store.close()
  })

  it('serves the engine: profiles carry from run to run, a failed run saves nothing', async () => {
    const dir = tempDir()
    const store = Store.open(dir)
    const engine = new Engine({ plugins: testRegistry(), store: store.state })
    const loaded = engine.load(sampleFlow('vip-tagging'))
    const input = { ...sampleEvent('vip-tagging'), profileId: 'ann', sessionId: 's-1' }
    const first = await engine.run(loaded, { event: input })
    const second = await engine.run(loaded, { event: input })
    expect(first.status).toBe('succeeded')
    const purchases = (r: typeof second) => (r.state.profile as ProfileRecord).traits.purchases
    expect(purchases(second)).toBe(2)
    expect(store.state.loadSession('s-1')).toMatchObject({ id: 's-1', profileId: 'ann' })
    expect(store.state.getEvent((second.state.event as EventRecord).id)).toMatchObject({
      profileId: 'ann',
    })

    const failing = engine.load(
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['count', 'data.increment', { path: 'profile@traits.purchases' }],
          ['boom', 'flow.throw', { message: 'x' }],
        ],
        ['start.payload -> count', 'count.payload -> boom'],
      ),
    )
    const failed = await engine.run(failing, { event: { profileId: 'ann', id: 'failed-event' } })
    expect(failed.status).toBe('failed')
    store.close()
    const reopened = Store.open(dir)
    expect(reopened.state.loadProfile('ann')!.traits.purchases).toBe(2)
    expect(reopened.state.getEvent('failed-event')).toBeNull()
    reopened.close()
  })
})
