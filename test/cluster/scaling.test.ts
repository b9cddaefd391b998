/**
 * Scaling out is what the cluster is for: with an I/O-bound flow (a 20 ms `flow.sleep`), the
 * same queued events finish ≥ 1.6× faster on 2 worker processes than on 1, and ≥ 2.5× on 4
 * (issue 16). Each worker runs one job at a time, so the speed-up comes from the processes alone.
 * The events are queued while the queue is paused and timed from its resume to the last commit,
 * so ingest and process start-up are not part of the figure.
 */
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUE_NAME } from '../../src-main/cluster/jobs'
import { buildFlow } from '../fixtures/flows'
import { testServer } from '../servers'
import type { IngestNode, WorkerProcess } from './cluster-helpers'
import {
  freshDatabase,
  freshRedis,
  post,
  spawnWorker,
  startIngest,
  stopWorker,
  until,
} from './cluster-helpers'

const PG_URL = testServer('pg')
const REDIS_URL = testServer('redis')
const EVENTS = 60

describe.skipIf(!PG_URL || !REDIS_URL)('scaling out with worker processes', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let redisUrl: string
  let node: IngestNode
  let queue: Queue
  const workers: WorkerProcess[] = []

  beforeAll(async () => {
    database = await freshDatabase(PG_URL!, 'scaling')
    redisUrl = await freshRedis(REDIS_URL!, 2)
    const slow = buildFlow(
      [
        ['start', 'trigger.event', { eventTypes: ['slow'] }],
        ['wait', 'flow.sleep', { ms: 20 }],
      ],
      ['start.payload -> wait'],
      'slow',
    )
    node = await startIngest(database.url, redisUrl, [slow])
    queue = new Queue(QUEUE_NAME, { connection: { url: redisUrl } })
  })
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker))
    await queue?.close()
    await node?.close()
    await database?.drop()
  })

  async function processed(): Promise<number> {
    const { rows } = await node.db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM processed_events',
    )
    return Number(rows[0]!.n)
  }

  /**
   * Seconds the workers now running take for a batch of queued events: from the queue's resume
   * to the last run's end, as the runs recorded it. The best of two batches: other processes on
   * the machine can only make a batch slower, never faster.
   */
  async function timeBatch(): Promise<number> {
    const times: number[] = []
    for (let attempt = 0; attempt < 2; attempt++) {
      const before = await processed()
      await queue.pause()
      const events = Array.from({ length: EVENTS }, () => ({ type: 'slow' }))
      expect((await post(`${node.url}/api/events`, { events })).status).toBe(202)
      const resumed = Date.now()
      await queue.resume()
      await until(async () => (await processed()) >= before + EVENTS, 60_000, 'the batch')
      const { rows } = await node.db.pool.query<{ last: string }>(
        `SELECT max(report->>'finishedAt') AS last FROM runs`,
      )
      times.push((Date.parse(rows[0]!.last) - resumed) / 1000)
    }
    return Math.min(...times)
  }

  async function workersUpTo(n: number): Promise<void> {
    while (workers.length < n) workers.push(spawnWorker(database.url, redisUrl, { concurrency: 1 }))
    await Promise.all(workers.map((w) => w.ready))
  }

  it('2 workers ≥ 1.6× faster than 1, 4 workers ≥ 2.5×', async () => {
    await workersUpTo(1)
    const one = await timeBatch()
    await workersUpTo(2)
    const two = await timeBatch()
    await workersUpTo(4)
    const four = await timeBatch()
    const figures = `1 worker ${one.toFixed(2)} s, 2 workers ${two.toFixed(2)} s, 4 workers ${four.toFixed(2)} s`
    expect(one / two, figures).toBeGreaterThanOrEqual(1.6)
    expect(one / four, figures).toBeGreaterThanOrEqual(2.5)
  }, 120_000)
})
