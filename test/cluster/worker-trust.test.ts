/**
 * What a worker process trusts and needs, as serve does. A bundle's plugin code: `deploy` checks
 * the bundle without running its code, and a worker loads it only when started with
 * --trust-plugins; without it the job fails saying so, and the code never ran (its marker file
 * stays absent). Secrets: a worker missing one a flow reads does not run the flow, naming the
 * variable; given it (FLOWBENCH_SECRET_…), the flow runs and no log line shows the value.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterDatabase } from '../../src-main/cluster/database'
import { createBundle } from '../../src-main/bundles/bundle'
import { deployToCluster } from '../../src-main/cluster/deploy'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { APP_VERSION } from '../../src-main/version'
import { QUEUE_NAME, RUN_JOB, runJobOptions } from '../../src-main/cluster/jobs'
import { buildFlow } from '../fixtures/flows'
import {
  cli,
  MARKER_ID,
  markerBundle,
  markerPlugin,
  tempDir,
  writeBundle,
} from '../security/bundle-fixtures'
import { testServer } from '../servers'
import type { WorkerProcess } from './cluster-helpers'
import { freshDatabase, freshRedis, spawnWorker, stopWorker, until } from './cluster-helpers'

const PG_URL = testServer('pg')
const REDIS_URL = testServer('redis')

describe.skipIf(!PG_URL || !REDIS_URL)('bundled plugin code on workers', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  let redisUrl: string
  let db: ClusterDatabase
  let queue: Queue
  const dir = tempDir('cluster-trust')
  const marker = path.join(dir, 'marker.txt')
  const workers: WorkerProcess[] = []

  beforeAll(async () => {
    database = await freshDatabase(PG_URL!, 'trust')
    redisUrl = await freshRedis(REDIS_URL!, 4)
    db = await ClusterDatabase.open(database.url)
    queue = new Queue(QUEUE_NAME, { connection: { url: redisUrl } })
  })
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker))
    await queue?.close()
    await db?.close()
    await database?.drop()
  })

  /** An event for the flow, as an ingest node would commit and queue it. */
  async function submit(id: string, flowId = 'marked'): Promise<void> {
    await db.pool.query(
      `INSERT INTO inbox (id, flow_id, event_id, event, source) VALUES ($1, $2, $1, $3, 'event')`,
      [id, flowId, JSON.stringify({ id, type: 'mark' })],
    )
    await queue.add(RUN_JOB, { inboxId: id }, runJobOptions(id))
  }

  async function statusOf(id: string): Promise<string | null> {
    const { rows } = await db.pool.query<{ status: string }>(
      'SELECT status FROM processed_events WHERE inbox_id = $1',
      [id],
    )
    return rows[0]?.status ?? null
  }

  it('deploys without running the code, and runs it only on a trusting worker', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.event', { eventTypes: ['mark'] }],
        ['mark', MARKER_ID, {}],
      ],
      ['start.payload -> mark'],
      'marked',
    )
    const file = writeBundle(markerBundle(markerPlugin(marker), { flow }), dir)
    const deployed = await cli(['deploy', file, '--database', database.url])
    expect(deployed.err).toBe('')
    expect(deployed.code).toBe(0)
    expect(existsSync(marker)).toBe(false)

    // FLOWBENCH_DATA_DIR: a plugins folder of the test's own, with nothing installed.
    const env = { FLOWBENCH_DATA_DIR: tempDir('cluster-trust-data') }
    const untrusting = spawnWorker(database.url, redisUrl, { concurrency: 1, env })
    workers.push(untrusting)
    await untrusting.ready
    await submit('untrusted-1')
    await until(
      async () => untrusting.output.stdout.includes('job attempt failed'),
      20_000,
      'the refusal',
    )
    expect(untrusting.output.stdout).toContain('--trust-plugins')
    expect(await statusOf('untrusted-1')).toBeNull()
    expect(existsSync(marker)).toBe(false)
    await stopWorker(untrusting)

    const trusting = spawnWorker(database.url, redisUrl, {
      concurrency: 1,
      env,
      args: ['--trust-plugins'],
    })
    workers.push(trusting)
    await trusting.ready
    await submit('trusted-1')
    await until(async () => (await statusOf('trusted-1')) === 'succeeded', 20_000, 'the run')
    expect(readFileSync(marker, 'utf8')).toContain('created')
    await stopWorker(trusting)
  }, 90_000)

  it('runs a flow that reads a secret only on a worker given it, never logging the value', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.event', { eventTypes: ['mark'] }],
        ['say', 'flow.log', { message: 'key {{ secrets.crm.apiKey }}' }],
      ],
      ['start.payload -> say'],
      'secretive',
    )
    await deployToCluster(db, { flows: [flow], content: null, plugins: [], manifest: {} })
    const env = { FLOWBENCH_DATA_DIR: tempDir('cluster-secret-data') }
    const lacking = spawnWorker(database.url, redisUrl, { concurrency: 1, env })
    workers.push(lacking)
    await lacking.ready
    await submit('secret-1', 'secretive')
    await until(
      async () => lacking.output.stdout.includes('job attempt failed'),
      20_000,
      'the refusal',
    )
    expect(lacking.output.stdout).toContain('crm.apiKey (FLOWBENCH_SECRET_CRM_APIKEY)')
    expect(await statusOf('secret-1')).toBeNull()
    await stopWorker(lacking)

    const given = spawnWorker(database.url, redisUrl, {
      concurrency: 1,
      env: { ...env, FLOWBENCH_SECRET_CRM_APIKEY: 'sk-live-12345' },
    })
    workers.push(given)
    await given.ready
    await submit('secret-2', 'secretive')
    await until(async () => (await statusOf('secret-2')) === 'succeeded', 20_000, 'the run')
    expect(given.output.stdout).not.toContain('sk-live-12345')
    const { rows } = await db.pool.query<{ report: unknown }>(
      `SELECT report FROM runs WHERE inbox_id = 'secret-2'`,
    )
    const report = JSON.stringify(rows[0]!.report)
    // The flow read the secret; its report shows it redacted.
    expect(report).toContain('key ••••')
    expect(report).not.toContain('sk-live-12345')
    await stopWorker(given)
  }, 60_000)

  it('runs a revision with the variables of its bundle environment given by --env', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.event', { eventTypes: ['mark'] }],
        ['set', 'data.set', { values: { 'profile@traits.greeting': '{{ vars.greeting }}' } }],
      ],
      ['start.payload -> set'],
      'greeter',
    )
    const file = writeBundle(
      createBundle([{ flow, revision: null }], {
        appVersion: APP_VERSION,
        plugins: PluginRegistry.withBuiltins(),
        environments: { staging: { vars: { greeting: 'hello from staging' } } },
      }),
      tempDir('cluster-env'),
    )
    expect((await cli(['deploy', file, '--database', database.url])).code).toBe(0)
    const worker = spawnWorker(database.url, redisUrl, {
      concurrency: 1,
      env: { FLOWBENCH_DATA_DIR: tempDir('cluster-env-data') },
      args: ['--env', 'staging'],
    })
    workers.push(worker)
    await worker.ready
    await db.pool.query(
      `INSERT INTO inbox (id, flow_id, event_id, event, source) VALUES ('env-1', 'greeter', 'env-1', $1, 'event')`,
      [JSON.stringify({ id: 'env-1', type: 'mark', profileId: 'eve' })],
    )
    await queue.add(RUN_JOB, { inboxId: 'env-1' }, runJobOptions('env-1'))
    await until(async () => (await statusOf('env-1')) === 'succeeded', 20_000, 'the run')
    const { rows } = await db.pool.query<{ data: { traits: unknown } }>(
      `SELECT data FROM profiles WHERE id = 'eve'`,
    )
    expect(rows[0]!.data.traits, worker.output.stdout).toEqual({ greeting: 'hello from staging' })
    await stopWorker(worker)
  }, 60_000)
})
