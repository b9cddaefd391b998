/**
 * Where `serve` hands the events it accepts (design §8): one interface, two execution backends.
 *
 * - local (local-backend.ts): the SQLite journal in the data directory, flows run in this process.
 * - distributed (src-main/cluster): a PostgreSQL inbox and a BullMQ queue on Redis; `flowbench
 *   worker` processes on any machines run the flows.
 *
 * The routes (serve-routes.ts), schedules and MQTT triggers only ever talk to this interface, so
 * what an answer means (202 = durably accepted, each accepted event's effect happens once) is
 * the same on both.
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { ProfileRecord } from '../../src-shared/plugin-sdk'
import type { RunOptions } from '../engine/runner'
import type { FlowStats } from '../store/journal'
import type { RunSummary } from '../store/store'
import type { ServedFlow } from './journal-worker'

export type { FlowStats, RunSummary }

/** An accepted event: its submission id (one per event and flow) and whether it is a repeat. */
export interface Submission {
  id: string
  /** The Idempotency-Key was seen before: `id` is the first submission's. */
  duplicate: boolean
}

export interface ExecutionBackend {
  /**
   * Makes the event durable for the flow (journal or inbox) and schedules its run. Resolves
   * only once the event survives a crash, so the caller may acknowledge it. A repeated
   * idempotency key resolves to the first submission with `duplicate: true`.
   */
  submit(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): Promise<Submission>
  /** The submission an idempotency key was first given, or null when it is new. */
  submissionOfKey(key: string): Promise<string | null>
  /**
   * The report of a submission: at once when it has run, else when it does; null when it was
   * refused before it could run; undefined when the run is no longer kept (retention).
   */
  outcomeOf(id: string): Promise<ExecutionReport | null | undefined>
  /**
   * Runs the flow once with a profile or session given in the request (not journaled: the
   * request carries its own state) and records the run.
   */
  runDirect(served: ServedFlow, input: RunOptions): Promise<ExecutionReport>
  stats(flowId: string): Promise<FlowStats>
  /** A recorded run, or null when there is none (or no longer). */
  run(runId: string): Promise<ExecutionReport | null>
  /** A flow's latest runs, newest first (at most `limit`). */
  recentRuns(flowId: string, limit: number): Promise<RunSummary[]>
  profile(id: string): Promise<ProfileRecord | null>
  /** Accepted events that have not finished yet. */
  pending(): Promise<number>
  /** Starts running submissions, those a crash left pending first. */
  start(): void
  /** Resolves when every accepted event has finished (tests and shutdown). */
  drained(): Promise<void>
  /** Takes no new work, lets runs in progress finish and be saved. */
  close(): Promise<void>
}
