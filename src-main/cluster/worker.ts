/**
 * `flowbench worker`: takes jobs from the BullMQ queue and runs each in one PostgreSQL
 * transaction (run-job.ts). Any number of workers, on any machines, share one queue.
 *
 * Unlike n8n's `maxStalledCount: 0`, a job whose worker died (its lock expired) is handed to
 * another worker again, several times: the `processed_events` claim makes a job that did commit
 * before the crash a no-op the second time, and one that did not commit simply runs.
 */
import { randomUUID } from 'node:crypto'
import { Worker } from 'bullmq'
import type { Job } from 'bullmq'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { PluginSource } from '../engine/load'
import type { Log } from '../http/server'
import type { ClusterDatabase } from './database'
import type { RunJob, ScheduleJob } from './jobs'
import { QUEUE_NAME, SCHEDULE_JOB } from './jobs'
import { redisConnection } from './redis'
import { inbox } from './repositories'
import type { JobOutcome, LoadDeployed } from './run-job'
import { DeployedFlows, runInboxItem } from './run-job'

export interface ClusterWorkerOptions {
  db: ClusterDatabase
  redisUrl: string
  concurrency: number
  plugins: PluginSource
  environment: () => RunEnvironment
  /**
   * Loads a deployed flow; bundled plugin code is the caller's decision (--trust-plugins), and
   * so is the environment of its revision (secrets, the bundle's variables).
   */
  load: LoadDeployed
  log: Log
  /** How long a job's lock lives without renewal: a dead worker's jobs re-run after it. */
  lockDurationMs?: number
  stalledIntervalMs?: number
  /** False only in the lost-update control test (run-job.ts, UNSAFE_NO_PROFILE_LOCK). */
  lockProfiles?: boolean
}

export interface ClusterWorker {
  /** Stops taking jobs; resolves when the jobs in progress are committed. */
  close(): Promise<void>
}

export async function startClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  const { log } = options
  const ctx = {
    db: options.db,
    plugins: options.plugins,
    environment: options.environment,
    flows: new DeployedFlows(options.db, options.load),
    lockProfiles: options.lockProfiles ?? true,
  }

  async function processJob(job: Job<RunJob | ScheduleJob>): Promise<JobOutcome> {
    let inboxId: string
    if (job.name === SCHEDULE_JOB) {
      // The tick is the job: its id (one per tick of the scheduler) is the idempotency key, so a
      // repeat delivery finds the inbox row the first one wrote.
      const tick = job.data as ScheduleJob
      const added = await inbox.add(
        options.db.pool,
        { id: randomUUID(), flowId: tick.flowId, event: tick.event, source: 'schedule' },
        `tick\u001f${job.id}`,
      )
      inboxId = added.id
    } else inboxId = (job.data as RunJob).inboxId
    const outcome = await runInboxItem(ctx, inboxId)
    log({
      level: outcome.status === 'succeeded' || outcome.status === 'repeat' ? 'info' : 'warn',
      msg: outcome.status === 'repeat' ? 'repeat delivery, already processed' : 'run finished',
      jobId: job.id,
      inboxId,
      flowId: outcome.flowId,
      runId: outcome.runId,
      revision: outcome.revision,
      status: outcome.status,
      durationMs: outcome.durationMs,
      attempt: job.attemptsMade + 1,
    })
    return outcome
  }

  const connection = redisConnection(options.redisUrl)
  const worker = new Worker<RunJob | ScheduleJob, JobOutcome>(QUEUE_NAME, processJob, {
    connection,
    concurrency: options.concurrency,
    maxStalledCount: 5,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    autorun: false,
  })
  worker.on('error', (error) =>
    log({ level: 'warn', msg: 'queue connection', reason: error.message }),
  )
  worker.on('failed', (job, error) =>
    log({
      level: 'error',
      msg: 'job attempt failed',
      jobId: job?.id,
      attempt: job?.attemptsMade,
      reason: error.message,
    }),
  )
  worker
    .run()
    .catch((error: unknown) =>
      log({ level: 'error', msg: 'worker stopped', reason: (error as Error).message }),
    )
  await worker.waitUntilReady()
  log({ level: 'info', msg: 'worker ready', concurrency: options.concurrency })
  return {
    async close() {
      await worker.close()
      connection.disconnect()
    },
  }
}
