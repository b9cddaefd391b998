/**
 * Attack: a client sends an Idempotency-Key of several kilobytes. PostgreSQL cannot index a key
 * that long (the inbox's unique index refuses the row), and concurrent submissions share one
 * inbox INSERT — so one such request failed every other client's request batched with it.
 * Now the key is refused at the door (400, naming the header), and should the database refuse
 * one submission of a batch for any reason, only that one fails.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testServer } from '../servers'
import type { IngestNode } from '../cluster/cluster-helpers'
import {
  counterFlow,
  freshDatabase,
  freshRedis,
  post,
  startIngest,
} from '../cluster/cluster-helpers'

const PG_URL = testServer('pg')
const REDIS_URL = testServer('redis')

/** Random, so PostgreSQL cannot compress it under its index limit (about 2.7 KB). */
const hugeKey = () => randomBytes(4000).toString('hex')

describe.skipIf(!PG_URL || !REDIS_URL)('a very long Idempotency-Key sent to a cluster', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let node: IngestNode

  beforeEach(async () => {
    database = await freshDatabase(PG_URL!, 'longkey')
    node = await startIngest(database.url, await freshRedis(REDIS_URL!, 6), [counterFlow()])
  })
  afterEach(async () => {
    await node.close()
    await database.drop()
  })

  it('is refused with a 400 naming the header', async () => {
    const res = await post(
      `${node.url}/api/flows/counter/runs`,
      { event: { type: 'tick', profileId: 'p' } },
      { 'idempotency-key': hugeKey() },
    )
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.body)).toContain('Idempotency-Key')
  })

  it('fails only its own submission, never the ones batched with it', async () => {
    const event = (i: number) => ({ id: `e${i}`, type: 'tick', profileId: `client-${i}` })
    const submissions = [node.backend.submit('counter', event(0), 'api', hugeKey())]
    for (let i = 1; i <= 10; i++)
      submissions.push(node.backend.submit('counter', event(i), 'api', `key-${i}`))
    const settled = await Promise.allSettled(submissions)
    expect(settled[0]!.status).toBe('rejected')
    expect(settled.slice(1).map((s) => s.status)).toEqual(Array(10).fill('fulfilled'))
  })
})
