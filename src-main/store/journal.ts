/**
 * The runner's journal (design §8): every event `serve` or the app's local runner accepts is
 * written here before it is acknowledged, and marked finished in the same transaction that
 * saves its run and its state changes — so after a crash each pending event runs exactly once.
 */
import type { Database, Statement } from 'better-sqlite3'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { RunCommit } from '../engine/state-store'

export type JournalStatus = 'pending' | 'done' | 'failed' | 'refused'

/** An accepted event waiting for its run. */
export interface PendingEvent {
  seq: number
  flowId: string
  event: Record<string, unknown>
  source: string
}

/** A line of the runner's recent deliveries, as the app shows them. */
export interface Delivery {
  seq: number
  flowId: string
  source: string
  receivedAt: string
  status: string
  runId: string | null
}

/** What became of the events a flow was given. */
export interface FlowStats {
  accepted: number
  succeeded: number
  failed: number
  pending: number
}

/** How an event ended: its run's report and state changes, or refused before it could run. */
export interface JournalOutcome {
  report: ExecutionReport | null
  commit: RunCommit | null
}

export class Journal {
  private readonly insert: Statement<[string, string | null, string, string, string]>
  private readonly byKey: Statement<[string], { seq: number }>
  private readonly bySeq: Statement<[number], { status: JournalStatus; run_id: string | null }>
  private readonly countPending: Statement<[], { n: number }>
  private readonly nextPending: Statement<
    [],
    { seq: number; flow_id: string; event: string; source: string }
  >
  private readonly recent: Statement<[number], Delivery>
  private readonly statsOf: Statement<[string], FlowStats>
  private readonly writeFinish: (seq: number, outcome: JournalOutcome) => void
  private readonly deliveryOf: Statement<[number], Delivery>
  /** Told after each change of an entry's status (the app's Runner tab listens). */
  private readonly listeners = new Set<(delivery: Delivery) => void>()

  constructor(
    private readonly db: Database,
    save: { commit(commit: RunCommit): void; recordRun(report: ExecutionReport): void },
  ) {
    this.insert = db.prepare<[string, string | null, string, string, string]>(
      'INSERT INTO journal (flow_id, idempotency_key, event, source, received_at) VALUES (?, ?, ?, ?, ?)',
    )
    this.byKey = db.prepare<[string], { seq: number }>(
      'SELECT seq FROM journal WHERE idempotency_key = ?',
    )
    this.bySeq = db.prepare<[number], { status: JournalStatus; run_id: string | null }>(
      'SELECT status, run_id FROM journal WHERE seq = ?',
    )
    this.countPending = db.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM journal WHERE status = 'pending'",
    )
    this.nextPending = db.prepare<
      [],
      { seq: number; flow_id: string; event: string; source: string }
    >(
      "SELECT seq, flow_id, event, source FROM journal WHERE status = 'pending' ORDER BY seq LIMIT 1",
    )
    this.recent = db.prepare<[number], Delivery>(
      'SELECT seq, flow_id AS flowId, source, received_at AS receivedAt, status, run_id AS runId FROM journal ORDER BY seq DESC LIMIT ?',
    )
    this.statsOf = db.prepare<[string], FlowStats>(
      `SELECT count(*) AS accepted,
              coalesce(sum(status = 'done'), 0) AS succeeded,
              coalesce(sum(status IN ('failed', 'refused')), 0) AS failed,
              coalesce(sum(status = 'pending'), 0) AS pending
       FROM journal WHERE flow_id = ?`,
    )
    this.deliveryOf = db.prepare<[number], Delivery>(
      'SELECT seq, flow_id AS flowId, source, received_at AS receivedAt, status, run_id AS runId FROM journal WHERE seq = ?',
    )
    const markDone = db.prepare<[JournalStatus, string | null, string, number]>(
      'UPDATE journal SET status = ?, run_id = ?, finished_at = ? WHERE seq = ?',
    )
    // One transaction: the run, its state changes and the mark are saved together or not at all.
    this.writeFinish = db.transaction((seq: number, { report, commit }: JournalOutcome) => {
      if (commit) save.commit(commit)
      if (report) save.recordRun(report)
      markDone.run(
        report ? (report.success ? 'done' : 'failed') : 'refused',
        report?.runId ?? null,
        new Date().toISOString(),
        seq,
      )
    })
  }

  /**
   * Many small WAL checkpoints instead of a few big ones: a big one stalls acknowledgements.
   * A runner sets this while it serves.
   */
  preferSmallCheckpoints(): void {
    this.db.pragma('wal_autocheckpoint = 1000')
  }

  /** Journals an event; a key already journaled returns its earlier entry instead. */
  append(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): { seq: number; duplicate: boolean } {
    const existing = this.seqOfKey(key)
    if (existing !== null) return { seq: existing, duplicate: true }
    const info = this.insert.run(
      flowId,
      key,
      JSON.stringify(event),
      source,
      new Date().toISOString(),
    )
    const seq = Number(info.lastInsertRowid)
    this.changed(seq)
    return { seq, duplicate: false }
  }

  seqOfKey(key: string | null): number | null {
    if (!key) return null
    return this.byKey.get(key)?.seq ?? null
  }

  /** An entry's status and run, or undefined when there is no such entry. */
  entry(seq: number): { status: JournalStatus; runId: string | null } | undefined {
    const row = this.bySeq.get(seq)
    return row && { status: row.status, runId: row.run_id }
  }

  pendingCount(): number {
    return this.countPending.get()!.n
  }

  /** The oldest event still to run. */
  nextEvent(): PendingEvent | undefined {
    const row = this.nextPending.get()
    return (
      row && {
        seq: row.seq,
        flowId: row.flow_id,
        event: JSON.parse(row.event) as Record<string, unknown>,
        source: row.source,
      }
    )
  }

  /** Marks an event finished, saving its run and state changes in the same transaction. */
  finish(seq: number, outcome: JournalOutcome): void {
    this.writeFinish(seq, outcome)
    this.changed(seq)
  }

  /** Listens for entries changing status (accepted as pending, then finished); returns the unsubscribe. */
  onDelivery(listener: (delivery: Delivery) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  private changed(seq: number): void {
    if (this.listeners.size === 0) return
    const delivery = this.deliveryOf.get(seq)
    if (!delivery) return
    for (const listener of this.listeners) {
      try {
        listener(delivery)
      } catch {
        // A listener's failure must not undo or hide a journal write that already happened.
      }
    }
  }

  /** The latest deliveries, newest first. */
  recentDeliveries(limit = 20): Delivery[] {
    return this.recent.all(limit)
  }

  /** Counts over everything journaled for the flow (refused events count as failed). */
  stats(flowId: string): FlowStats {
    return this.statsOf.get(flowId)!
  }
}
