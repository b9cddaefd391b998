/**
 * Attack: a webhook body or tracked event carries a NUL character ("\u0000"), which JSON allows
 * and PostgreSQL's jsonb refuses. Sent among other clients' events, it would fail the shared
 * inbox insert for all of them (one bad event turning other senders' acknowledgements into
 * 500s), and copied into a profile it would make the worker's save fail on every retry.
 * Events are data whatever they hold: every event is accepted, run and saved, the NUL kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testServer } from '../servers'
import type { IngestNode } from '../cluster/cluster-helpers'
import {
  counterFlow,
  freshDatabase,
  freshRedis,
  getJson,
  post,
  startIngest,
  startWorker,
  until,
} from '../cluster/cluster-helpers'

const PG_URL = testServer('pg')
const REDIS_URL = testServer('redis')

describe.skipIf(!PG_URL || !REDIS_URL)('a NUL character in an event sent to a cluster', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let node: IngestNode
  let worker: Awaited<ReturnType<typeof startWorker>>

  beforeEach(async () => {
    database = await freshDatabase(PG_URL!, 'nul')
    const redisUrl = await freshRedis(REDIS_URL!, 5)
    // The flow copies the event's note into the profile, as flows copy event data every day.
    node = await startIngest(database.url, redisUrl, [
      counterFlow('counter', [
        ['keep', 'data.copy', { from: 'event@properties.note', to: 'profile@traits.note' }],
      ]),
    ])
    worker = await startWorker(database.url, redisUrl)
  })
  afterEach(async () => {
    await worker.close()
    await node.close()
    await database.drop()
  })

  it('neither refuses other clients’ events sent with it nor poisons the worker', async () => {
    const sends = [
      post(`${node.url}/api/events`, {
        type: 'tick',
        profileId: 'mallory',
        properties: { note: 'a\u0000b' },
      }),
    ]
    for (let i = 0; i < 20; i++)
      sends.push(
        post(`${node.url}/api/events`, {
          type: 'tick',
          profileId: `client-${i}`,
          properties: { note: 'fine' },
        }),
      )
    const answers = await Promise.all(sends)
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202))
    await until(
      async () => (await getJson(`${node.url}/api/flows/counter/stats`)).body.pending === 0,
      15_000,
      'every event run',
    )
    const stats = await getJson(`${node.url}/api/flows/counter/stats`)
    expect(stats.body).toEqual({ accepted: 21, succeeded: 21, failed: 0, pending: 0 })
    const mallory = await getJson(`${node.url}/api/profiles/mallory`)
    expect(mallory.body.traits).toEqual({ count: 1, note: 'a\u0000b' })
    expect((await getJson(`${node.url}/api/profiles/client-7`)).body.traits).toEqual({
      count: 1,
      note: 'fine',
    })
  })
})
