/**
 * What travels through Redis: a job names an inbox row and nothing else. The event itself lives
 * in PostgreSQL, committed before the job is added, so a worker never looks for data that is
 * not there yet (n8n#24274) and Redis holds only ids.
 */
import type { JobsOptions } from 'bullmq'

export const QUEUE_NAME = 'flowbench-runs'

/** A queued event: run the inbox row. */
export const RUN_JOB = 'run'
/** A schedule's tick (a BullMQ job scheduler made it): put the tick in the inbox, then run it. */
export const SCHEDULE_JOB = 'schedule'

export interface RunJob {
  /** The inbox row (one per event and flow); also the BullMQ jobId, so a re-add is a no-op. */
  inboxId: string
}

export interface ScheduleJob {
  flowId: string
  event: Record<string, unknown>
}

/**
 * Retries with backoff for what fails around a run (the database unreachable, a deadlock): a
 * run's own failure is an outcome, recorded, not a job failure. Completed jobs are removed at
 * once so Redis does not grow; failed ones are kept a week to be looked at.
 */
export function runJobOptions(inboxId: string): JobsOptions {
  return {
    jobId: inboxId,
    attempts: 10,
    backoff: { type: 'exponential', delay: 500 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  }
}
