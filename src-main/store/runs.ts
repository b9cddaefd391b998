/**
 * Runs and their retention (design §6): every run's report, listed newest first a page at a
 * time, and pruned past the retention per flow in small batches on unref'd timers, never inside
 * the write that recorded a run.
 */
import { ApiFailure } from '../../src-shared/api/result'
import type { ExecutionReport, RunStatus } from '../../src-shared/engine/report'
import type { Statements } from './statements'

export const DEFAULT_RUN_RETENTION = 1000
export const MAX_RUNS_PAGE = 500

// Small batches, so pruning a flow that is far over its limit never holds the thread for long.
const PRUNE_BATCH = 200
const PRUNE_DELAY_MS = 200
const STARTUP_SWEEP_DELAY_MS = 2000

export interface RunSummary {
  runId: string
  flowId: string
  flowVersion: number | null
  status: RunStatus
  startedAt: string
  durationMs: number
}

export interface RunQuery {
  flowId?: string
  /** 1 to 500; 50 when left out. */
  limit?: number
  offset?: number
  /** `nextCursor` of the previous page; steadier than an offset while runs keep arriving. */
  cursor?: string
}

export interface RunPage {
  runs: RunSummary[]
  /** Every run matching `flowId`, over all pages. */
  total: number
  /** Null on the last page. */
  nextCursor: string | null
}

interface RunRow extends RunSummary {
  seq: number
}

const RUN_COLUMNS =
  'rowid AS seq, run_id AS runId, flow_id AS flowId, flow_version AS flowVersion, status, ' +
  'started_at AS startedAt, duration_ms AS durationMs'

function encodeCursor(row: RunRow): string {
  return Buffer.from(JSON.stringify([row.startedAt, row.seq])).toString('base64url')
}

function decodeCursor(cursor: string): { startedAt: string; seq: number } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      Number.isInteger(value[1])
    ) {
      return { startedAt: value[0], seq: value[1] as number }
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new ApiFailure('invalid-cursor', 'The cursor is not one that listRuns returned')
}

export function checkRetention(retention: number): number {
  if (!Number.isInteger(retention) || retention < 1) {
    throw new RangeError(`retention must be a whole number of runs ≥ 1, got ${retention}`)
  }
  return retention
}

export class RunsRepository {
  private readonly pendingPrune = new Set<string>()
  private cancelPrune: (() => void) | null = null
  private cancelSweep: (() => void) | null = null
  private closed = false

  constructor(
    private readonly s: Statements,
    /** Runs kept per flow; older ones are pruned in the background. */
    readonly retention: number = DEFAULT_RUN_RETENTION,
  ) {
    checkRetention(retention)
    // Catches up on pruning a previous session did not finish or a lowered retention.
    const sweep = setTimeout(() => {
      if (this.closed) return
      this.queueEveryFlow()
      this.schedulePrune()
    }, STARTUP_SWEEP_DELAY_MS)
    sweep.unref()
    this.cancelSweep = () => clearTimeout(sweep)
  }

  /** Stops background pruning (the database is about to close). */
  close(): void {
    this.closed = true
    this.cancelSweep?.()
    this.cancelPrune?.()
    this.cancelPrune = null
  }

  /** A kept run's report, or null once retention has pruned it. */
  find(runId: string): ExecutionReport | null {
    const report = this.s.sql('SELECT report FROM runs WHERE run_id = ?').pluck().get(runId) as
      string | undefined
    return report === undefined ? null : (JSON.parse(report) as ExecutionReport)
  }

  record(report: ExecutionReport): void {
    this.s
      .sql(
        `INSERT OR REPLACE INTO runs (run_id, flow_id, flow_version, status, started_at, duration_ms, report)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        report.runId,
        report.flowId,
        report.flowVersion,
        report.status,
        report.startedAt,
        report.durationMs,
        JSON.stringify(report),
      )
    this.pendingPrune.add(report.flowId)
    this.schedulePrune()
  }

  /** Summaries newest first, without the reports; page with `cursor` (or `offset`). */
  list(query: RunQuery = {}): RunPage {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), MAX_RUNS_PAGE)
    const offset = Math.max(Math.trunc(query.offset ?? 0), 0)
    const where: string[] = []
    const params: (string | number)[] = []
    if (query.flowId !== undefined) {
      where.push('flow_id = ?')
      params.push(query.flowId)
    }
    const total = this.s
      .sql(`SELECT count(*) FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
      .pluck()
      .get(...params) as number
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor)
      // A row value, so SQLite seeks the index to the cursor instead of walking up to it.
      where.push('(started_at, rowid) < (?, ?)')
      params.push(after.startedAt, after.seq)
    }
    // One row more than asked tells whether another page follows.
    const rows = this.s
      .sql(
        `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, limit + 1, query.cursor === undefined ? offset : 0) as RunRow[]
    const more = rows.length > limit
    const page = more ? rows.slice(0, limit) : rows
    return {
      runs: page.map(({ seq: _seq, ...summary }) => summary),
      total,
      nextCursor: more ? encodeCursor(page[page.length - 1]!) : null,
    }
  }

  get(runId: string): ExecutionReport {
    const report = this.s.sql('SELECT report FROM runs WHERE run_id = ?').pluck().get(runId) as
      string | undefined
    if (report === undefined) {
      throw new ApiFailure(
        'not-found',
        `Run "${runId}" was not found (the store keeps the last ${this.retention} runs of each flow)`,
      )
    }
    return JSON.parse(report) as ExecutionReport
  }

  /**
   * Prunes now instead of in the background, for tests and before measuring the database;
   * `allFlows` also covers flows with no run recorded in this session. Returns runs removed.
   */
  pruneNow(options: { allFlows?: boolean } = {}): number {
    if (options.allFlows) this.queueEveryFlow()
    let removed = 0
    for (;;) {
      const step = this.pruneBatch()
      if (step === null) return removed
      removed += step
    }
  }

  private queueEveryFlow(): void {
    // A seek per flow through the index instead of the full scan DISTINCT does: 0.4 ms rather
    // than 190 ms (cold) with 100,000 runs, and this runs on the main thread.
    const ids = this.s
      .sql(
        `WITH RECURSIVE flow(id) AS (
         SELECT min(flow_id) FROM runs
         UNION ALL
         SELECT (SELECT min(flow_id) FROM runs WHERE flow_id > flow.id) FROM flow
         WHERE flow.id IS NOT NULL)
       SELECT id FROM flow WHERE id IS NOT NULL`,
      )
      .pluck()
      .all() as string[]
    for (const id of ids) this.pendingPrune.add(id)
  }

  /** Coalesced: one pass after a burst of runs instead of one per run. */
  private schedulePrune(): void {
    if (this.cancelPrune || this.closed) return
    const timer = setTimeout(() => {
      this.cancelPrune = null
      if (!this.closed) this.pruneStep()
    }, PRUNE_DELAY_MS)
    // Pruning may wait for the next session: it must never keep a process alive.
    timer.unref()
    this.cancelPrune = () => clearTimeout(timer)
  }

  /** One batch, then yields to whatever else is waiting before the next one. */
  private pruneStep(): void {
    this.pruneBatch()
    if (this.pendingPrune.size === 0 || this.closed) return
    const immediate = setImmediate(() => {
      this.cancelPrune = null
      if (!this.closed) this.pruneStep()
    })
    immediate.unref()
    this.cancelPrune = () => clearImmediate(immediate)
  }

  /** Deletes up to one batch of one flow's runs beyond the limit; null when nothing is pending. */
  private pruneBatch(): number | null {
    const flowId = this.pendingPrune.values().next().value
    if (flowId === undefined) return null
    const removed = this.s
      .sql(
        `DELETE FROM runs WHERE rowid IN (
         SELECT rowid FROM runs WHERE flow_id = ?
         ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?)`,
      )
      .run(flowId, PRUNE_BATCH, this.retention).changes
    this.pendingPrune.delete(flowId)
    // A full batch means there may be more: the flow goes to the back of the queue.
    if (removed === PRUNE_BATCH) this.pendingPrune.add(flowId)
    return removed
  }
}
