/**
 * The ingest side of the cluster (`serve --queue … --database …`): an accepted event is committed
 * to the PostgreSQL inbox, then added to the BullMQ queue with the inbox id as its jobId, then
 * acknowledged. Workers (worker.ts) run it. Because the inbox row exists before the job, a worker
 * never looks for an event that is not there (n8n#24274); because the jobId is the inbox id, the
 * reconciler below can re-add whatever may not have reached the queue without creating a second
 * job, and the worker's `processed_events` claim absorbs any repeat that still gets through.
 */
import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { Cron } from 'croner'
import type { Redis } from 'ioredis'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { ProfileRecord } from '../../src-shared/plugin-sdk'
import type { LoadedFlow, PluginSource } from '../engine/load'
import { loadFlow } from '../engine/load'
import type { RunOptions } from '../engine/runner'
import type { Log } from '../http/server'
import type { ExecutionBackend, FlowStats, RunSummary, Submission } from '../runtime/backend'
import type { ServedFlow } from '../runtime/journal-worker'
import type { ScheduleInfo, Schedules } from '../runtime/schedules'
import type { ClusterDatabase } from './database'
import type { RunJob, ScheduleJob } from './jobs'
import { QUEUE_NAME, SCHEDULE_JOB, RUN_JOB, runJobOptions } from './jobs'
import { redisConnection } from './redis'
import type { InboxItem } from './repositories'
import { inbox, processed, runs, state } from './repositories'
import { DeployedFlows, runDirect } from './run-job'

export interface DistributedBackendOptions {
  db: ClusterDatabase
  redisUrl: string
  plugins: PluginSource
  environment: () => RunEnvironment
  log: Log
  /** How long an inbox row may wait for the queue before the reconciler re-adds it. */
  reconcileAfterMs?: number
  reconcileEveryMs?: number
  /** How long an acknowledgement waits for Redis; the inbox row is durable either way. */
  queueTimeoutMs?: number
}

const OUTCOME_POLL_MAX_MS = 250
/** At most this many events per inbox INSERT (6 parameters each, well under PostgreSQL's 65,535). */
const MAX_BATCH = 500

interface PendingSubmission {
  item: InboxItem
  key: string | null
  resolve: (submission: Submission) => void
  reject: (error: unknown) => void
}

interface ScheduleConfig {
  cron?: string
  intervalMs?: number
  timezone?: string
  eventType?: string
  properties?: Record<string, unknown>
}

export class DistributedBackend implements ExecutionBackend {
  private readonly connection: Redis
  readonly queue: Queue<RunJob | ScheduleJob>
  private readonly flows: DeployedFlows
  private reconciler: NodeJS.Timeout | null = null
  private reconciling: Promise<void> | null = null
  private queuedIds: string[] = []
  private marking: NodeJS.Timeout | null = null
  private closed = false
  private submissions: PendingSubmission[] = []
  private flushing: NodeJS.Immediate | null = null

  constructor(private readonly options: DistributedBackendOptions) {
    this.connection = redisConnection(options.redisUrl)
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection })
    this.queue.on('error', () => {})
    this.flows = new DeployedFlows(options.db, (flow) =>
      Promise.resolve({ loaded: loadFlow(flow, options.plugins) }),
    )
  }

  /** Loads a flow the way the ingest node checks it (its runs happen on the workers). */
  load(flow: Flow): LoadedFlow {
    return loadFlow(flow, this.options.plugins)
  }

  submit(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): Promise<Submission> {
    return new Promise((resolve, reject) => {
      this.submissions.push({
        item: { id: randomUUID(), flowId, event, source },
        key,
        resolve,
        reject,
      })
      if (this.submissions.length >= MAX_BATCH) void this.flushSubmissions()
      else this.flushing ??= setImmediate(() => void this.flushSubmissions())
    })
  }

  /**
   * Group commit: the submissions that arrived while the event loop was busy go to the inbox in
   * one INSERT and to the queue in one addBulk. Each caller still waits for both (or the queue's
   * timeout) before it acknowledges.
   */
  private async flushSubmissions(): Promise<void> {
    if (this.flushing) clearImmediate(this.flushing)
    this.flushing = null
    const batch = this.submissions.splice(0, MAX_BATCH)
    if (batch.length === 0) return
    if (this.submissions.length > 0)
      this.flushing = setImmediate(() => void this.flushSubmissions())
    let answers: (Submission | null)[]
    try {
      answers = await inbox.addMany(this.options.db.pool, batch)
    } catch {
      // One submission the database refuses must not refuse the others batched with it: each
      // is tried on its own, and only the one at fault gets the error.
      answers = await Promise.all(
        batch.map((s) =>
          inbox.add(this.options.db.pool, s.item, s.key).catch((error: unknown) => {
            s.reject(error)
            return null
          }),
        ),
      )
    }
    await this.enqueue(answers.filter((a) => a !== null && !a.duplicate).map((a) => a!.id))
    batch.forEach((s, i) => {
      const answer = answers[i]
      if (answer) s.resolve(answer)
    })
  }

  /**
   * Adds jobs for committed inbox rows. Waits for Redis only so long: a row that did not make it
   * is still in the inbox, and the reconciler adds it once Redis is back.
   */
  private async enqueue(ids: string[]): Promise<void> {
    if (ids.length === 0) return
    const adding = this.queue
      .addBulk(
        ids.map((inboxId) => ({ name: RUN_JOB, data: { inboxId }, opts: runJobOptions(inboxId) })),
      )
      .then(
        () => this.markQueued(ids),
        (error: unknown) =>
          this.options.log({
            level: 'warn',
            msg: 'queue unavailable; the reconciler will add the events',
            reason: (error as Error).message,
          }),
      )
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      adding,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.queueTimeoutMs ?? 2000)
      }),
    ])
    clearTimeout(timer)
  }

  /** `queued_at` is written in batches: it only spares the reconciler work, so it may lag. */
  private markQueued(ids: string[]): void {
    this.queuedIds.push(...ids)
    this.marking ??= setTimeout(() => void this.flushQueued(), 100)
  }

  private async flushQueued(): Promise<void> {
    this.marking = null
    const ids = this.queuedIds
    this.queuedIds = []
    await inbox.markQueued(this.options.db.pool, ids).catch(() => {
      // Not marked: the reconciler re-adds them, which the jobId makes harmless.
    })
  }

  /** Re-adds inbox rows that never reached the queue (Redis down at the time, a crash). */
  private async reconcile(): Promise<void> {
    const { db, log } = this.options
    try {
      const ids = await inbox.unqueued(db.pool, this.options.reconcileAfterMs ?? 5000, 500)
      if (ids.length === 0) return
      await this.queue.addBulk(
        ids.map((inboxId) => ({ name: RUN_JOB, data: { inboxId }, opts: runJobOptions(inboxId) })),
      )
      await inbox.markQueued(db.pool, ids)
      log({ level: 'info', msg: 're-queued inbox events', count: ids.length })
    } catch (error) {
      log({ level: 'warn', msg: 'reconciler', reason: (error as Error).message })
    }
  }

  submissionOfKey(key: string): Promise<string | null> {
    return inbox.idOfKey(this.options.db.pool, key)
  }

  async outcomeOf(id: string): Promise<ExecutionReport | null | undefined> {
    const { pool } = this.options.db
    // Polls: the run happens on some worker, and its commit is the only signal that counts.
    for (let wait = 5; ; wait = Math.min(wait * 2, OUTCOME_POLL_MAX_MS)) {
      const outcome = await processed.outcome(pool, id)
      // A claim is only seen once committed, with its final status.
      if (outcome) {
        if (!outcome.runId) return null
        return (await runs.get(pool, outcome.runId)) ?? undefined
      }
      if (this.closed) return undefined
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  runDirect(served: ServedFlow, input: RunOptions): Promise<ExecutionReport> {
    return runDirect(
      {
        db: this.options.db,
        plugins: this.options.plugins,
        environment: this.options.environment,
        flows: this.flows,
        lockProfiles: true,
      },
      served.loaded,
      served.revision,
      input,
    )
  }

  stats(flowId: string): Promise<FlowStats> {
    return processed.stats(this.options.db.pool, flowId)
  }

  run(runId: string): Promise<ExecutionReport | null> {
    return runs.get(this.options.db.pool, runId)
  }

  recentRuns(flowId: string, limit: number): Promise<RunSummary[]> {
    return runs.recent(this.options.db.pool, flowId, limit)
  }

  profile(id: string): Promise<ProfileRecord | null> {
    return state.getProfile(this.options.db.pool, id)
  }

  /**
   * Jobs in the queue not finished yet: Redis answers this without counting tables. While Redis
   * does not answer (down, restarting), the inbox rows not yet processed are counted instead, so
   * `/healthz` still answers.
   */
  async pending(): Promise<number> {
    let timer: NodeJS.Timeout | undefined
    const fromQueue = this.queue
      .getJobCounts('waiting', 'active', 'delayed', 'prioritized')
      .then((counts) => Object.values(counts).reduce((a, b) => a + b, 0))
    fromQueue.catch(() => {})
    const answer = await Promise.race([
      fromQueue,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 500))),
    ]).catch(() => null)
    clearTimeout(timer)
    return answer ?? processed.pending(this.options.db.pool)
  }

  /**
   * Schedules fire once per tick across every ingest node: each node upserts the same BullMQ job
   * scheduler (keyed by flow), Redis makes one job per tick of it, and a worker turns the tick
   * into an inbox row. Schedulers of flows no longer scheduled are removed. They live in Redis:
   * stopping one ingest node does not stop them.
   */
  async startSchedules(flows: ServedFlow[], log: Log): Promise<Schedules> {
    const listed: ScheduleInfo[] = []
    const keys = new Set<string>()
    for (const served of flows) {
      const entry = served.loaded.entry.node
      if (entry.plugin !== 'trigger.schedule') continue
      const config = entry.config as ScheduleConfig
      const flowId = served.flow.id
      const key = `schedule:${flowId}`
      const repeat = config.cron
        ? { pattern: config.cron, tz: config.timezone }
        : config.intervalMs
          ? { every: config.intervalMs }
          : null
      if (!repeat) continue
      keys.add(key)
      await this.queue.upsertJobScheduler(key, repeat, {
        name: SCHEDULE_JOB,
        data: {
          flowId,
          event: {
            type: config.eventType ?? 'schedule',
            source: 'schedule',
            properties: { ...(config.properties ?? {}) },
          },
        },
        opts: { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
      })
      const cron = config.cron ? new Cron(config.cron, { timezone: config.timezone }) : null
      listed.push({
        flowId,
        description: config.cron ? `cron ${config.cron}` : `every ${config.intervalMs} ms`,
        next: cron?.nextRun()?.toISOString() ?? null,
      })
    }
    for (const scheduler of await this.queue.getJobSchedulers())
      if (scheduler.key.startsWith('schedule:') && !keys.has(scheduler.key)) {
        await this.queue.removeJobScheduler(scheduler.key)
        log({ level: 'info', msg: 'schedule removed', scheduler: scheduler.key })
      }
    return { list: () => listed, stop: () => {} }
  }

  start(): void {
    if (this.reconciler || this.closed) return
    const every = this.options.reconcileEveryMs ?? 2000
    this.reconciler = setInterval(() => {
      this.reconciling ??= this.reconcile().finally(() => (this.reconciling = null))
    }, every)
    this.reconciler.unref()
  }

  /** Every inbox row has been processed (by some worker). */
  async drained(): Promise<void> {
    while (!this.closed) {
      const { rows } = await this.options.db.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM inbox i
         WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.inbox_id = i.id AND p.status <> 'running')`,
      )
      if (Number(rows[0]!.n) === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.reconciler) clearInterval(this.reconciler)
    await this.reconciling
    if (this.marking) clearTimeout(this.marking)
    await this.flushQueued()
    await this.queue.close().catch(() => {})
    this.connection.disconnect()
    await this.options.db.close()
  }
}
