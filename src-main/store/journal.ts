/**
 * The runner's journal (design §8): every event `serve` or the app's local runner accepts is
 * written here before it is acknowledged, and marked finished in the same transaction that
 * saves its run and its state changes — so after a crash each pending event runs exactly once.
 */
import type { Database, Statement } from 'better-sqlite3'
import { closeSync, fdatasync, openSync } from 'node:fs'
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

interface AppendRequest {
  flowId: string
  event: Record<string, unknown>
  source: string
  key: string | null
  result?: { seq: number; duplicate: boolean }
  resolve(entry: { seq: number; duplicate: boolean }): void
  reject(error: unknown): void
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
  private readonly pendingPage: Statement<
    [number, number],
    { seq: number; flow_id: string; event: string; source: string }
  >
  private readonly recent: Statement<[number], Delivery>
  private readonly statsOf: Statement<[string], FlowStats>
  private readonly writeFinish: (seq: number, outcome: JournalOutcome) => void
  private readonly deliveryOf: Statement<[number], Delivery>
  /** Told after each change of an entry's status (the app's Runner tab listens). */
  private readonly listeners = new Set<(delivery: Delivery) => void>()
  private readonly writeFinishes: (finished: { seq: number; outcome: JournalOutcome }[]) => void
  private readonly writeAppends: (batch: AppendRequest[]) => void
  /** Appends waiting for this tick's group commit. */
  private batch: AppendRequest[] = []
  /**
   * Whether a group commit is synced to disk before its appends resolve (synchronous=FULL for
   * that transaction). Off only to measure what the sync costs.
   */
  syncAppends = true
  /** Appends committed but not yet synced, and whether a sync is running. */
  private unsynced: AppendRequest[] = []
  private syncing = false
  private walFd: number | null = null

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
    this.pendingPage = db.prepare<
      [number, number],
      { seq: number; flow_id: string; event: string; source: string }
    >(
      "SELECT seq, flow_id, event, source FROM journal WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
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
    this.writeAppends = db.transaction((batch: AppendRequest[]) => {
      for (const r of batch) r.result = this.appendRow(r.flowId, r.event, r.source, r.key)
    })
    const finish = (seq: number, { report, commit }: JournalOutcome) => {
      if (commit) save.commit(commit)
      if (report) save.recordRun(report)
      markDone.run(
        report ? (report.success ? 'done' : 'failed') : 'refused',
        report?.runId ?? null,
        new Date().toISOString(),
        seq,
      )
    }
    // One transaction: the run, its state changes and the mark are saved together or not at all.
    this.writeFinish = db.transaction(finish)
    this.writeFinishes = db.transaction((finished: { seq: number; outcome: JournalOutcome }[]) => {
      for (const { seq, outcome } of finished) finish(seq, outcome)
    })
  }

  /**
   * Journals an event durably: resolves once the append is synced to disk, so the caller may
   * acknowledge it and a power cut cannot take it back. Appends arriving in the same turn of the
   * event loop share one transaction, and every transaction committed while a sync runs shares
   * the next sync (group commit): under load one fdatasync covers many acknowledgements.
   */
  appendSynced(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): Promise<{ seq: number; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.commitBatch())
      this.batch.push({ flowId, event, source, key, resolve, reject })
    })
  }

  private commitBatch(): void {
    const batch = this.batch
    this.batch = []
    try {
      this.writeAppends(batch)
    } catch (error) {
      for (const request of batch) request.reject(error)
      return
    }
    for (const request of batch) if (!request.result!.duplicate) this.changed(request.result!.seq)
    if (!this.syncAppends) {
      for (const request of batch) request.resolve(request.result!)
      return
    }
    this.unsynced.push(...batch)
    if (!this.syncing) this.syncWal()
  }

  /**
   * What synchronous=FULL does at a commit — sync the WAL file — but on libuv's thread pool, so
   * the main thread keeps taking requests meanwhile. Appends committed while a sync runs wait
   * for the next one, which covers them all. The database stays at synchronous=NORMAL, so run
   * results are not synced one by one; each sync covers them too. (An fdatasync through any
   * descriptor of the file flushes every write SQLite made to it.)
   */
  private syncWal(): void {
    const waiting = this.unsynced
    this.unsynced = []
    this.syncing = true
    const done = (error: Error | null) => {
      this.syncing = false
      for (const request of waiting)
        if (error) request.reject(error)
        else request.resolve(request.result!)
      if (this.unsynced.length > 0) this.syncWal()
    }
    try {
      this.walFd ??= openSync(`${this.db.name}-wal`, 'r')
    } catch {
      // No WAL file to sync (not in WAL mode): let SQLite sync the database itself.
      this.db.pragma('wal_checkpoint(FULL)')
      return done(null)
    }
    fdatasync(this.walFd, done)
  }

  /** Closes the descriptor used to sync the WAL (the store calls it as it closes). */
  closeSync(): void {
    if (this.walFd !== null) closeSync(this.walFd)
    this.walFd = null
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
    const appended = this.appendRow(flowId, event, source, key)
    if (!appended.duplicate) this.changed(appended.seq)
    return appended
  }

  /** The insert itself; listeners are told by the caller once its transaction has committed. */
  private appendRow(
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
    return { seq: Number(info.lastInsertRowid), duplicate: false }
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

  /** Up to `limit` events still to run, oldest first, after `seq` (0: from the start). */
  pendingAfter(seq: number, limit: number): PendingEvent[] {
    return this.pendingPage.all(seq, limit).map((row) => ({
      seq: row.seq,
      flowId: row.flow_id,
      event: JSON.parse(row.event) as Record<string, unknown>,
      source: row.source,
    }))
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

  /**
   * Marks several events finished in one transaction (runs that ended in the same turn of the
   * event loop): each event's run, changes and mark still go together, and one commit is cheaper
   * than many.
   */
  finishAll(finished: { seq: number; outcome: JournalOutcome }[]): void {
    this.writeFinishes(finished)
    for (const { seq } of finished) this.changed(seq)
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
