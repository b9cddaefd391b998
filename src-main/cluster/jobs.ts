/**
 * What travels through Redis: a job names an inbox row and nothing else. The event itself lives
 * in PostgreSQL, committed before the job is added, so a worker never looks for data that is
 * not there yet (n8n#24274) and Redis holds only ids.
 */
export const QUEUE_NAME = 'flowbench-runs'

export interface RunJob {
  /** The inbox row (one per event and flow); also the BullMQ jobId, so a re-add is a no-op. */
  inboxId: string
}
