/**
 * The cluster as a user runs it, against a real PostgreSQL and Redis: events accepted by an
 * ingest node are run by a worker and change the stored profile; the stats and profile routes
 * read the database; an Idempotency-Key is one event across two ingest nodes; deploy stores a
 * revision once and workers pick up a new one without restart; schedules tick once across nodes;
 * the CLI says which server it cannot reach, without its password.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../../src-main/cli/main'
import { ClusterDatabase } from '../../src-main/cluster/database'
import { deployToCluster } from '../../src-main/cluster/deploy'
import { testServer, closedPort } from '../servers'
import { buildFlow } from '../fixtures/flows'
import type { IngestNode } from './cluster-helpers'
import {
  counterFlow,
  freshDatabase,
  freshRedis,
  getJson,
  post,
  privateRedis,
  startIngest,
  startWorker,
  until,
} from './cluster-helpers'

const PG_URL = testServer('pg')
const REDIS_URL = testServer('redis')

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(args, {
    io: { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') },
    env: {},
  })
  return { code, out, err }
}

describe.skipIf(!PG_URL || !REDIS_URL)('the cluster: ingest nodes and workers', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let redisUrl: string
  const cleanup: (() => Promise<void>)[] = []

  beforeEach(async () => {
    database = await freshDatabase(PG_URL!, 'ingest')
    redisUrl = await freshRedis(REDIS_URL!, 1)
  })
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
    await database.drop()
  })

  async function ingest(flows = [counterFlow()]): Promise<IngestNode> {
    const node = await startIngest(database.url, redisUrl, flows)
    cleanup.push(() => node.close())
    return node
  }
  async function worker() {
    const w = await startWorker(database.url, redisUrl)
    cleanup.push(() => w.close())
    return w
  }

  it('runs accepted events on a worker and serves the stored profile and the stats', async () => {
    const node = await ingest()
    await worker()
    for (let i = 0; i < 5; i++) {
      const res = await post(`${node.url}/api/events`, { type: 'tick', profileId: 'ada' })
      expect(res.status).toBe(202)
    }
    await until(
      async () => (await getJson(`${node.url}/api/flows/counter/stats`)).body.succeeded === 5,
      10_000,
      'five runs',
    )
    const stats = await getJson(`${node.url}/api/flows/counter/stats`)
    expect(stats.body).toEqual({ accepted: 5, succeeded: 5, failed: 0, pending: 0 })
    const profile = await getJson(`${node.url}/api/profiles/ada`)
    expect(profile.status).toBe(200)
    expect(profile.body.traits).toEqual({ count: 5 })
    expect((await getJson(`${node.url}/api/profiles/nobody`)).status).toBe(404)
    // The run records the revision it ran, and is listed and served by the ingest node.
    const recent = await node.backend.recentRuns('counter', 10)
    expect(recent).toHaveLength(5)
    expect(recent.every((r) => r.flowVersion === 1 && r.status === 'succeeded')).toBe(true)
    const run = await getJson(`${node.url}/api/runs/${recent[0]!.runId}`)
    expect(run.body.flowVersion).toBe(1)
  })

  it('answers a waiting API run with the report the worker saved', async () => {
    const node = await ingest()
    await worker()
    const res = await post(`${node.url}/api/flows/counter/runs`, {
      event: { type: 'tick', profileId: 'grace' },
    })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('succeeded')
    expect((res.body.state as { profile: { traits: unknown } }).profile.traits).toEqual({
      count: 1,
    })
  })

  it('runs a request that brings its own profile on the ingest node and saves it', async () => {
    const node = await ingest()
    const res = await post(`${node.url}/api/flows/counter/runs`, {
      event: { type: 'tick', profileId: 'given' },
      profile: { id: 'given', traits: { count: 41 } },
    })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('succeeded')
    expect((await getJson(`${node.url}/api/profiles/given`)).body.traits).toEqual({ count: 42 })
    const run = await getJson(`${node.url}/api/runs/${res.body.runId as string}`)
    expect(run.body.flowVersion).toBe(1)
  })

  it('takes an Idempotency-Key once across two ingest nodes', async () => {
    const hook = buildFlow(
      [
        ['hook', 'trigger.webhook', { path: 'orders', profileIdField: 'customer' }],
        ['inc', 'data.increment', { path: 'profile@traits.count', by: 1 }],
      ],
      ['hook.payload -> inc'],
      'orders',
    )
    const a = await ingest([hook])
    const b = await ingest([hook])
    const headers = { 'idempotency-key': 'order-77' }
    const first = await post(`${a.url}/hooks/orders`, { customer: 'lin' }, headers)
    const again = await post(`${b.url}/hooks/orders`, { customer: 'lin' }, headers)
    expect(first.status).toBe(202)
    expect(again.status).toBe(202)
    expect(again.body.id).toBe(first.body.id)
    await worker()
    await until(
      async () => (await getJson(`${a.url}/api/flows/orders/stats`)).body.succeeded === 1,
      10_000,
      'the run',
    )
    // Concurrent repeats, committed together in one batch, are still one event.
    const burst = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(`${a.url}/hooks/orders`, { customer: 'lin' }, { 'idempotency-key': 'order-78' }),
      ),
    )
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1)
    // A third request after the run: still the same event, and nothing more is accepted.
    const late = await post(`${b.url}/hooks/orders`, { customer: 'lin' }, headers)
    expect(late.body.id).toBe(first.body.id)
    await new Promise((r) => setTimeout(r, 300))
    expect((await getJson(`${b.url}/api/flows/orders/stats`)).body).toMatchObject({
      accepted: 2,
    })
    await until(
      async () => (await getJson(`${a.url}/api/flows/orders/stats`)).body.succeeded === 2,
      10_000,
      'the burst run',
    )
    expect((await getJson(`${a.url}/api/profiles/lin`)).body.traits).toEqual({ count: 2 })
  })

  it('re-adds inbox events that never reached the queue', async () => {
    const node = await startIngest(database.url, redisUrl, [counterFlow()], {
      reconcileAfterMs: 200,
      reconcileEveryMs: 200,
    })
    cleanup.push(() => node.close())
    // An event committed to the inbox by a node that died before queue.add.
    await node.db.pool.query(
      `INSERT INTO inbox (id, flow_id, event_id, event, source) VALUES ('lost-1', 'counter', 'e1', $1, 'event')`,
      [JSON.stringify({ id: 'e1', type: 'tick', profileId: 'max' })],
    )
    await node.db.pool.query(`UPDATE inbox SET received_at = now() - interval '1 minute'`)
    await worker()
    await until(
      async () => (await getJson(`${node.url}/api/profiles/max`)).status === 200,
      10_000,
      'the lost event to run',
    )
    expect((await getJson(`${node.url}/api/profiles/max`)).body.traits).toEqual({ count: 1 })
  })

  it('picks up a new deploy without a worker restart, and stores a revision once', async () => {
    const node = await ingest()
    await worker()
    await post(`${node.url}/api/events`, { type: 'tick', profileId: 'kim' })
    await until(
      async () => (await getJson(`${node.url}/api/profiles/kim`)).status === 200,
      10_000,
      'the first run',
    )
    // Revision 2 counts by 10.
    const db = await ClusterDatabase.open(database.url)
    const v2 = counterFlow()
    v2.nodes[1]!.config = { path: 'profile@traits.count', by: 10 }
    const deployed = await deployToCluster(db, {
      flows: [v2],
      content: null,
      plugins: [],
      manifest: {},
    })
    expect(deployed).toMatchObject({ revision: 2, created: true })
    expect(
      await deployToCluster(db, { flows: [v2], content: null, plugins: [], manifest: {} }),
    ).toMatchObject({ revision: 2, created: false })
    await db.close()
    await post(`${node.url}/api/events`, { type: 'tick', profileId: 'kim' })
    await until(
      async () => (await getJson(`${node.url}/api/profiles/kim`)).body.traits?.count === 11,
      10_000,
      'the second run at revision 2',
    )
    const revisions = (await node.backend.recentRuns('counter', 10)).map((r) => r.flowVersion)
    expect(revisions.sort()).toEqual([1, 2])
  })

  it('fires a schedule once per tick across two ingest nodes', async () => {
    const scheduled = buildFlow(
      [
        ['every', 'trigger.schedule', { intervalMs: 1000 }],
        ['log', 'flow.log', { message: 'tick' }],
      ],
      ['every.payload -> log'],
      'ticker',
    )
    const a = await ingest([scheduled])
    await ingest([scheduled])
    await worker()
    const started = Date.now()
    await new Promise((r) => setTimeout(r, 3500))
    const elapsed = (Date.now() - started) / 1000
    const { accepted } = (await getJson(`${a.url}/api/flows/ticker/stats`)).body as {
      accepted: number
    }
    // One run per second in all, not one per node and second.
    expect(accepted).toBeGreaterThanOrEqual(2)
    expect(accepted).toBeLessThanOrEqual(Math.ceil(elapsed) + 1)
  })
})

describe.skipIf(!PG_URL || !REDIS_URL)('the cluster commands', () => {
  it('deploys a bundle once and says so the second time', async () => {
    const database = await freshDatabase(PG_URL!, 'deploy')
    const { tempDir } = await import('../security/serve-helpers')
    const { writeFileSync } = await import('node:fs')
    const path = await import('node:path')
    const dir = tempDir('fb-deploy-')
    const flowFile = path.join(dir, 'counter.flow.json')
    writeFileSync(flowFile, JSON.stringify(counterFlow()))
    const bundle = path.join(dir, 'counter.flowbundle')
    expect((await cli(['export', flowFile, '-o', bundle])).code).toBe(0)
    try {
      const first = await cli(['deploy', bundle, '--database', database.url, '--json'])
      expect(first.err).toBe('')
      expect(JSON.parse(first.out)).toMatchObject({ revision: 1, created: true })
      // Exported again later: another zip, the same flows — the same revision.
      expect((await cli(['export', flowFile, '-o', bundle])).code).toBe(0)
      const second = await cli(['deploy', bundle, '--database', database.url])
      expect(second.code).toBe(0)
      expect(second.out).toContain('Already deployed as revision 1')
    } finally {
      await database.drop()
    }
  })

  it('serve --queue --database deploys what it serves once, and ingests for the workers', async () => {
    const database = await freshDatabase(PG_URL!, 'serve')
    const redisUrl = await freshRedis(REDIS_URL!, 3)
    const { startServeProcess, tempDir } = await import('../security/serve-helpers')
    const { writeFileSync } = await import('node:fs')
    const path = await import('node:path')
    const dir = tempDir('fb-serve-cluster-')
    writeFileSync(path.join(dir, 'counter.flow.json'), JSON.stringify(counterFlow()))
    const args = [dir, '--port', '0', '--queue', redisUrl, '--database', database.url]
    const first = startServeProcess(args)
    const w = await startWorker(database.url, redisUrl)
    try {
      const port = await first.ready
      expect(first.output.stdout).toContain('"msg":"deployed","revision":1')
      const res = await post(`http://127.0.0.1:${port}/api/events`, {
        type: 'tick',
        profileId: 'zoe',
      })
      expect(res.status).toBe(202)
      await until(
        async () => (await getJson(`http://127.0.0.1:${port}/api/profiles/zoe`)).status === 200,
        10_000,
        'the run',
      )
      expect((await getJson(`http://127.0.0.1:${port}/healthz`)).body).toMatchObject({ ok: true })
      // A second ingest node on the same folder finds the revision there.
      const second = startServeProcess(args)
      await second.ready
      expect(second.output.stdout).toContain('"msg":"already deployed","revision":1')
      second.child.kill('SIGTERM')
      await second.exited
    } finally {
      first.child.kill('SIGTERM')
      await first.exited
      await w.close()
      await database.drop()
    }
  })

  it('names the server it cannot reach, without the password', async () => {
    const port = await closedPort()
    const redisDown = await cli([
      'worker',
      '--queue',
      `redis://:s3cret@127.0.0.1:${port}`,
      '--database',
      PG_URL!,
    ])
    expect(redisDown.code).toBe(2)
    expect(redisDown.err).toMatch(/cannot reach Redis at 127\.0\.0\.1:\d+/)
    expect(redisDown.err).not.toContain('s3cret')
    const pgDownWorker = await cli([
      'worker',
      '--queue',
      REDIS_URL!,
      '--database',
      `postgres://u:s3cret@127.0.0.1:${port}/db`,
    ])
    expect(pgDownWorker.code).toBe(2)
    expect(pgDownWorker.err).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/db: ECONNREFUSED/)
    expect(pgDownWorker.err).not.toContain('s3cret')
  })

  it('says which cluster option is missing', async () => {
    const noQueue = await cli(['worker', '--database', PG_URL!])
    expect(noQueue.code).toBe(2)
    expect(noQueue.err).toContain("give the cluster's queue with --queue")
    const noDatabase = await cli(['worker', '--queue', REDIS_URL!])
    expect(noDatabase.code).toBe(2)
    expect(noDatabase.err).toContain("give the cluster's database with --database")
  })

  it('refuses a Redis that may evict jobs', async () => {
    const redis = await privateRedis(['--maxmemory-policy', 'allkeys-lru'])
    try {
      const res = await cli(['worker', '--queue', redis.url, '--database', PG_URL!])
      expect(res.code).toBe(2)
      expect(res.err).toContain('maxmemory-policy allkeys-lru')
      expect(res.err).toContain('noeviction')
    } finally {
      await redis.stop()
    }
  })
})
