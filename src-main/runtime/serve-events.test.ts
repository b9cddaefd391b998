/**
 * The routes design §8 adds on every backend: the track API (`POST /api/events`), per-flow stats
 * and latest runs, and stored profiles.
 */
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { PluginRegistry } from '../plugins-host/registry'
import { Store } from '../store/store'
import type { Server } from './serve'
import { serve } from './serve'

/** A flow on `trigger.event` that counts, per profile, the events it ran for. */
function counter(id: string, eventTypes: string[]) {
  return buildFlow(
    [
      ['start', 'trigger.event', { eventTypes }],
      ['count', 'data.increment', { path: `profile@traits.${id.replace(/-/g, '_')}`, by: 1 }],
    ],
    ['start.payload -> count'],
    id,
  )
}

const failing = buildFlow(
  [
    ['start', 'trigger.event', { eventTypes: ['boom'] }],
    ['fail', 'flow.throw', { message: 'no' }],
  ],
  ['start.payload -> fail'],
  'failing',
)

let server: Server
let store: Store
const token = 'events-token'
const call = (method: string, url: string, body?: unknown) =>
  fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

beforeAll(async () => {
  store = Store.open(mkdtempSync(path.join(os.tmpdir(), 'fb-serve-events-')))
  server = await serve({
    flows: [
      { flow: counter('purchases', ['purchase']), revision: 1 },
      { flow: counter('everything', []), revision: 1 },
      { flow: counter('visits', ['page-view', 'purchase']), revision: 1 },
      { flow: failing, revision: 1 },
    ],
    store,
    plugins: PluginRegistry.withBuiltins(),
    port: 0,
    token,
    log: () => {},
  })
})
afterAll(async () => {
  await server.close()
  store.close()
})

describe('POST /api/events', () => {
  it('routes one event to every flow that takes its type, one run per flow', async () => {
    const res = await call('POST', '/api/events', { type: 'purchase', profileId: 'ann' })
    expect(res.status).toBe(202)
    const answer = (await res.json()) as { events: { flows: { flowId: string }[] }[] }
    expect(answer.events).toHaveLength(1)
    expect(answer.events[0]!.flows.map((f) => f.flowId).sort()).toEqual([
      'everything',
      'purchases',
      'visits',
    ])
    await server.drained()
    expect(store.state.loadProfile('ann')!.traits).toEqual({
      purchases: 1,
      everything: 1,
      visits: 1,
    })
  })

  it('takes a batch and says when no flow took an event', async () => {
    const res = await call('POST', '/api/events', {
      events: [
        { type: 'page-view', profileId: 'bo' },
        { type: 'refund', profileId: 'bo' },
      ],
    })
    expect(res.status).toBe(202)
    const answer = (await res.json()) as {
      events: { type: string; flows: { flowId: string }[]; note?: string }[]
    }
    expect(answer.events[0]!.flows.map((f) => f.flowId).sort()).toEqual(['everything', 'visits'])
    // Only the flow with an empty type list takes a refund.
    expect(answer.events[1]!.flows.map((f) => f.flowId)).toEqual(['everything'])
    await server.drained()
    expect(store.state.loadProfile('bo')!.traits).toEqual({ everything: 2, visits: 1 })
  })

  it('says so when no served flow takes the event at all', async () => {
    // Every flow but `everything` has a type list; stop at the answer, not at the runs.
    const res = await call('POST', '/api/events', { events: [{ type: 'boom', profileId: 'cy' }] })
    const answer = (await res.json()) as { events: { flows: { flowId: string }[] }[] }
    expect(answer.events[0]!.flows.map((f) => f.flowId).sort()).toEqual(['everything', 'failing'])
    await server.drained()
  })

  it('refuses bodies that are not events, journaling nothing', async () => {
    const before = store.journal.recentDeliveries(1)[0]?.seq
    for (const body of [[1, 2], { events: [] }, { events: ['x'] }, { type: 7 }, 'text'])
      expect((await call('POST', '/api/events', body)).status, JSON.stringify(body)).toBe(400)
    expect(store.journal.recentDeliveries(1)[0]?.seq).toBe(before)
  })

  it('refuses an empty body, and a type that is not a string is not turned into one', async () => {
    const empty = await fetch(`${server.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(empty.status).toBe(400)
    expect((await call('POST', '/api/events', { events: [{ type: 7 }] })).status).toBe(400)
    const runs = await fetch(`${server.url}/api/flows/purchases/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(runs.status).toBe(400)
    expect(await runs.json()).toEqual({ error: expect.stringContaining('Send { "event"') })
  })

  it('needs the token', async () => {
    const res = await fetch(`${server.url}/api/events`, { method: 'POST', body: '{"type":"x"}' })
    expect(res.status).toBe(401)
  })
})

describe('GET /api/flows/:id/stats', () => {
  it('counts accepted, succeeded, failed and pending events of the flow', async () => {
    await server.drained()
    const stats = async (id: string) => await (await call('GET', `/api/flows/${id}/stats`)).json()
    expect(await stats('purchases')).toEqual({ accepted: 1, succeeded: 1, failed: 0, pending: 0 })
    expect(await stats('everything')).toEqual({ accepted: 4, succeeded: 4, failed: 0, pending: 0 })
    expect(await stats('failing')).toEqual({ accepted: 1, succeeded: 0, failed: 1, pending: 0 })
  })

  it('is a 404 for a flow not served here', async () => {
    expect((await call('GET', '/api/flows/nope/stats')).status).toBe(404)
  })
})

describe('GET /api/flows/:id/runs', () => {
  it("lists the flow's latest runs, newest first, as many as the limit says", async () => {
    await call('POST', '/api/events', { events: [{ type: 'purchase' }, { type: 'purchase' }] })
    await server.drained()
    const runs = async (url: string) =>
      (
        (await (await call('GET', url)).json()) as {
          runs: { flowId: string; status: string; startedAt: string }[]
        }
      ).runs
    const all = await runs('/api/flows/purchases/runs')
    expect(all).toHaveLength(3)
    expect(all.every((r) => r.flowId === 'purchases' && r.status === 'succeeded')).toBe(true)
    expect([...all].sort((a, b) => b.startedAt.localeCompare(a.startedAt))).toEqual(all)
    expect(await runs('/api/flows/purchases/runs?limit=2')).toEqual(all.slice(0, 2))
    expect((await runs('/api/flows/failing/runs'))[0]).toMatchObject({ status: 'failed' })
  })

  it('refuses a bad limit and a flow not served here', async () => {
    expect((await call('GET', '/api/flows/purchases/runs?limit=0')).status).toBe(400)
    expect((await call('GET', '/api/flows/purchases/runs?limit=abc')).status).toBe(400)
    expect((await call('GET', '/api/flows/nope/runs')).status).toBe(404)
    expect((await fetch(`${server.url}/api/flows/purchases/runs`)).status).toBe(401)
  })
})

describe('GET /api/profiles/:id', () => {
  it('answers the stored profile', async () => {
    const res = await call('GET', '/api/profiles/ann')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: 'ann', traits: { purchases: 1 } })
  })

  it('is a 404 when there is none, and needs the token', async () => {
    expect((await call('GET', '/api/profiles/nobody')).status).toBe(404)
    expect((await fetch(`${server.url}/api/profiles/ann`)).status).toBe(401)
  })
})

describe('ids in paths', () => {
  it('takes long profile ids (an e-mail, a hash) like short ones', async () => {
    const id = `${'x'.repeat(300)}@example.com`
    expect((await call('GET', `/api/profiles/${encodeURIComponent(id)}`)).status).toBe(404)
  })
})
