/**
 * The store (design §6): flows with their draft and every deployed revision, test cases,
 * profiles, sessions, events and runs, in one SQLite database per data directory.
 * better-sqlite3 is synchronous on purpose: each method is one short transaction, which keeps
 * every write atomic and avoids the interleaving an async driver would allow.
 */
import type { Database, Statement } from 'better-sqlite3'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { ApiFailure } from '../../src-shared/api/result'
import type { ExecutionReport, RunStatus } from '../../src-shared/engine/report'
import type { Flow, Problem, TestCase } from '../../src-shared/flow/types'
import { parseJsonText } from '../../src-shared/json-text'
import type { CheckOutcome, OpenedDatabase, OpenOptions, Recovered } from './database'
import { openDatabase } from './database'
import type { RunnerLock } from './runner-lock'
import { acquireRunnerLock } from './runner-lock'
import { SqliteStateStore } from './sqlite-state-store'
import { EnvironmentsRepository } from './environments'
import { Journal } from './journal'

export { SqliteStateStore }
export type { CheckOutcome, Recovered }

export const DATABASE_FILE = 'flowbench.db'
export const MAX_DRAFT_BYTES = 10 * 1024 * 1024
export const DEFAULT_RUN_RETENTION = 1000
export const MAX_RUNS_PAGE = 500

// Small batches, so pruning a flow that is far over its limit never holds the thread for long.
const PRUNE_BATCH = 200
const PRUNE_DELAY_MS = 200
const STARTUP_SWEEP_DELAY_MS = 2000

export interface FlowSummary {
  id: string
  name: string
  description: string
  tags: string[]
  draftVersion: number
  productionRevision: number | null
  updatedAt: string
  deletedAt: string | null
}

export interface FlowRecord {
  summary: FlowSummary
  draft: { version: number; flow: Flow; savedAt: string }
  production: { revision: number; flow: Flow; deployedAt: string; note: string | null } | null
}

export interface RevisionSummary {
  revision: number
  createdAt: string
  note: string | null
  sha256: string
  isProduction: boolean
}

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

/** An event serve or the app's runner received, as its journal keeps it. */
export interface JournalEntry {
  seq: number
  flowId: string
  event: unknown
  source: string
  receivedAt: string
  status: string
  runId: string | null
}

export interface StoreOptions extends OpenOptions {
  /** Runs kept per flow; older ones are pruned in the background. */
  retention?: number
}

interface FlowRow {
  id: string
  name: string
  description: string
  tags: string
  created_at: string
  updated_at: string
  deleted_at: string | null
  production_revision: number | null
  draft_version: number
}

interface RunRow extends RunSummary {
  seq: number
}

const FLOW_COLUMNS = 'f.*, d.draft_version'
const FLOW_FROM = 'flows f JOIN flow_drafts d ON d.flow_id = f.id'
const RUN_COLUMNS =
  'rowid AS seq, run_id AS runId, flow_id AS flowId, flow_version AS flowVersion, status, ' +
  'started_at AS startedAt, duration_ms AS durationMs'

function now(): string {
  return new Date().toISOString()
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`
}

function summaryOf(row: FlowRow): FlowSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    draftVersion: row.draft_version,
    productionRevision: row.production_revision,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  }
}

/** The columns that mirror the draft, so lists need not parse every document. */
function flowMeta(flow: Flow): { name: string; description: string; tags: string } {
  const name = typeof flow.name === 'string' && flow.name.trim() ? flow.name : flow.id
  const description = typeof flow.description === 'string' ? flow.description : ''
  const tags = Array.isArray(flow.tags) ? flow.tags.filter((t) => typeof t === 'string') : []
  return { name, description, tags: JSON.stringify(tags) }
}

function tooLarge(what: string, bytes: number): ApiFailure {
  return new ApiFailure(
    'draft-too-large',
    `${what} is ${megabytes(bytes)}, over the ${megabytes(MAX_DRAFT_BYTES)} limit; it was not saved`,
    { bytes, limit: MAX_DRAFT_BYTES },
  )
}

/** A draft as JSON text and as a document, or the reason it cannot be stored. */
function draftDocument(id: string, draft: unknown): { text: string; flow: Flow } {
  let value: unknown
  if (typeof draft === 'string') {
    const bytes = Buffer.byteLength(draft)
    if (bytes > MAX_DRAFT_BYTES) throw tooLarge('The draft', bytes)
    const parsed = parseJsonText(draft)
    if (!parsed.ok) {
      const { message, line, column, offset } = parsed
      throw new ApiFailure(
        'invalid-json',
        `The draft is not valid JSON: ${message}; it was not saved`,
        {
          line,
          column,
          offset,
        },
      )
    }
    value = parsed.value
  } else {
    value = draft
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiFailure('invalid-flow', 'A draft must be a JSON object; it was not saved')
  }
  const flow = value as Flow
  if (flow.id !== id) {
    throw new ApiFailure(
      'id-mismatch',
      `The draft's id "${String(flow.id)}" is not the flow's id "${id}"; it was not saved`,
    )
  }
  const text = JSON.stringify(flow)
  const bytes = Buffer.byteLength(text)
  if (bytes > MAX_DRAFT_BYTES) throw tooLarge('The draft', bytes)
  return { text, flow }
}

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

export class Store {
  readonly file: string
  /** For the bench and tests; the app goes through the methods below. */
  readonly db: Database
  /** Set when the database file was unusable and moved aside; the app and CLI say so. */
  readonly recovered: Recovered | null
  /** The full check of a big database, running off the main thread; null when already done. */
  readonly backgroundCheck: Promise<CheckOutcome> | null
  readonly state: SqliteStateStore
  readonly environments: EnvironmentsRepository
  /** The runner's journal of accepted events (serve and the app's local runner). */
  readonly journal: Journal
  readonly retention: number
  private readonly opened: OpenedDatabase
  private readonly statements = new Map<string, Statement>()
  private readonly pendingPrune = new Set<string>()
  private cancelPrune: (() => void) | null = null
  private cancelSweep: (() => void) | null = null
  private closed = false
  private readonly nativeBinding: string | undefined

  private constructor(file: string, options: StoreOptions) {
    this.nativeBinding = options.nativeBinding
    const retention = options.retention ?? DEFAULT_RUN_RETENTION
    if (!Number.isInteger(retention) || retention < 1) {
      throw new RangeError(`retention must be a whole number of runs ≥ 1, got ${retention}`)
    }
    this.file = file
    this.retention = retention
    this.opened = openDatabase(file, options)
    this.db = this.opened.db
    this.recovered = this.opened.recovered
    this.backgroundCheck = this.opened.backgroundCheck
    this.state = new SqliteStateStore(this.db)
    this.environments = new EnvironmentsRepository(this.db)
    this.journal = new Journal(this.db, {
      commit: (commit) => this.state.commit(commit),
      recordRun: (report) => this.recordRun(report),
    })
    // Catches up on pruning a previous session did not finish or a lowered retention.
    const sweep = setTimeout(() => {
      if (this.closed) return
      this.queueEveryFlow()
      this.schedulePrune()
    }, STARTUP_SWEEP_DELAY_MS)
    sweep.unref()
    this.cancelSweep = () => clearTimeout(sweep)
  }

  /** Opens (creating if needed) `<dataDir>/flowbench.db`. */
  /**
   * Runs store calls as one transaction: all of them are saved, or none (bundle import deploys
   * every flow of a bundle this way). `work` must be synchronous, as better-sqlite3 requires.
   */
  inTransaction<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  static open(dataDir: string, options: StoreOptions = {}): Store {
    return new Store(path.join(dataDir, DATABASE_FILE), options)
  }

  /**
   * Claims this data directory for one runner (serve or the app's local runner) until the
   * lock is released or the process ends; throws RunnerBusyError naming the holder.
   */
  lockRunner(what: string): RunnerLock {
    return acquireRunnerLock(path.dirname(this.file), { what, nativeBinding: this.nativeBinding })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.cancelSweep?.()
    this.cancelPrune?.()
    this.cancelPrune = null
    this.journal.closeSync()
    this.opened.close()
  }

  private sql(text: string): Statement {
    let statement = this.statements.get(text)
    if (!statement) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  // ---- flows and staging ----

  private findFlow(id: string): FlowRow | undefined {
    return this.sql(`SELECT ${FLOW_COLUMNS} FROM ${FLOW_FROM} WHERE f.id = ?`).get(id) as
      FlowRow | undefined
  }

  private flowRow(id: string): FlowRow {
    const row = this.findFlow(id)
    if (!row) throw new ApiFailure('not-found', `Flow "${id}" was not found`)
    return row
  }

  listFlows(options: { includeDeleted?: boolean } = {}): FlowSummary[] {
    const where = options.includeDeleted ? '' : 'WHERE f.deleted_at IS NULL'
    const rows = this.sql(
      `SELECT ${FLOW_COLUMNS} FROM ${FLOW_FROM} ${where} ORDER BY lower(f.name), f.id`,
    ).all() as FlowRow[]
    return rows.map(summaryOf)
  }

  /** A new flow whose draft is `flow` (version 1); nothing is deployed yet. */
  createFlow(flow: Flow): FlowSummary {
    if (!flow || typeof flow !== 'object' || typeof flow.id !== 'string' || !flow.id) {
      throw new ApiFailure('invalid-flow', 'A flow needs an id')
    }
    const { text } = draftDocument(flow.id, flow)
    return this.db.transaction(() => {
      this.insertFlow(flow, text, now())
      return summaryOf(this.flowRow(flow.id))
    })()
  }

  private insertFlow(flow: Flow, text: string, at: string): void {
    if (this.findFlow(flow.id)) {
      throw new ApiFailure('flow-exists', `A flow with id "${flow.id}" already exists`)
    }
    const meta = flowMeta(flow)
    this.sql(
      'INSERT INTO flows (id, name, description, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(flow.id, meta.name, meta.description, meta.tags, at, at)
    this.sql(
      'INSERT INTO flow_drafts (flow_id, draft_version, content, saved_at) VALUES (?, 1, ?, ?)',
    ).run(flow.id, text, at)
    if (Array.isArray(flow.tests)) this.writeTestCases(flow.id, flow.tests)
  }

  getFlow(id: string): FlowRecord {
    return this.db.transaction(() => {
      const row = this.flowRow(id)
      const draft = this.sql(
        'SELECT draft_version, content, saved_at FROM flow_drafts WHERE flow_id = ?',
      ).get(id) as { draft_version: number; content: string; saved_at: string }
      const production =
        row.production_revision === null
          ? undefined
          : (this.sql(
              'SELECT revision, content, created_at, note FROM flow_revisions WHERE flow_id = ? AND revision = ?',
            ).get(id, row.production_revision) as
              | { revision: number; content: string; created_at: string; note: string | null }
              | undefined)
      return {
        summary: summaryOf(row),
        draft: {
          version: draft.draft_version,
          flow: JSON.parse(draft.content) as Flow,
          savedAt: draft.saved_at,
        },
        production: production
          ? {
              revision: production.revision,
              flow: JSON.parse(production.content) as Flow,
              deployedAt: production.created_at,
              note: production.note,
            }
          : null,
      }
    })()
  }

  /**
   * Saves a new draft over `baseVersion` (a document, or its JSON text from the editor).
   * A stale base, a draft over 10 MB, text that is not JSON or a draft for another flow id is
   * refused and the stored draft stays as it was. Drafts with validation problems are saved:
   * they are work in progress, and deploy is where problems stop a flow.
   */
  saveDraft(id: string, baseVersion: number, draft: unknown): { version: number; savedAt: string } {
    const { text, flow } = draftDocument(id, draft)
    return this.db.transaction(() => this.writeDraft(id, text, flow, baseVersion))()
  }

  private writeDraft(
    id: string,
    text: string,
    flow: Flow,
    baseVersion: number,
  ): { version: number; savedAt: string } {
    const row = this.flowRow(id)
    if (row.draft_version !== baseVersion) {
      throw new ApiFailure(
        'stale-draft',
        `The draft was saved elsewhere since version ${baseVersion}: the current version is ` +
          `${row.draft_version}. Reload it before saving; nothing was saved.`,
        { baseVersion, currentVersion: row.draft_version },
      )
    }
    const version = row.draft_version + 1
    const at = now()
    const meta = flowMeta(flow)
    this.sql(
      'UPDATE flow_drafts SET draft_version = ?, content = ?, saved_at = ? WHERE flow_id = ?',
    ).run(version, text, at, id)
    this.sql(
      'UPDATE flows SET name = ?, description = ?, tags = ?, updated_at = ? WHERE id = ?',
    ).run(meta.name, meta.description, meta.tags, at, id)
    if (Array.isArray(flow.tests)) this.writeTestCases(id, flow.tests)
    return { version, savedAt: at }
  }

  /**
   * Copies the draft to production as a new revision after `validate` finds no errors. The
   * previous production stays in the history; revisions are never changed.
   */
  deploy(
    id: string,
    options: { note?: string; validate: (flow: Flow) => Problem[] },
  ): { revision: number; deployedAt: string; sha256: string } {
    const record = this.getFlow(id)
    if (record.summary.deletedAt) {
      throw new ApiFailure(
        'flow-deleted',
        `Flow "${id}" is in the trash; restore it before deploying`,
      )
    }
    const problems = options.validate(record.draft.flow)
    const errors = problems.filter((p) => p.severity === 'error')
    if (errors.length > 0) {
      const count = errors.length === 1 ? '1 error' : `${errors.length} errors`
      throw new ApiFailure(
        'invalid-flow',
        `Deploy refused: the draft has ${count} (first: ${errors[0]!.message}); production is unchanged`,
        problems,
      )
    }
    const text = JSON.stringify(record.draft.flow)
    const hash = sha256(text)
    const at = now()
    const revision = this.db.transaction(() => {
      const last = this.sql('SELECT max(revision) FROM flow_revisions WHERE flow_id = ?')
        .pluck()
        .get(id) as number | null
      const next = (last ?? 0) + 1
      this.sql(
        'INSERT INTO flow_revisions (flow_id, revision, content, sha256, created_at, note) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, next, text, hash, at, options.note ?? null)
      this.sql('UPDATE flows SET production_revision = ?, updated_at = ? WHERE id = ?').run(
        next,
        at,
        id,
      )
      return next
    })()
    return { revision, deployedAt: at, sha256: hash }
  }

  /** Deployed revisions, newest first. */
  history(id: string): RevisionSummary[] {
    const row = this.flowRow(id)
    const rows = this.sql(
      'SELECT revision, created_at, note, sha256 FROM flow_revisions WHERE flow_id = ? ORDER BY revision DESC',
    ).all(id) as { revision: number; created_at: string; note: string | null; sha256: string }[]
    return rows.map((r) => ({
      revision: r.revision,
      createdAt: r.created_at,
      note: r.note,
      sha256: r.sha256,
      isProduction: r.revision === row.production_revision,
    }))
  }

  /** Makes a revision the new draft; production changes only with the next deploy. */
  revert(id: string, revision: number): { version: number; savedAt: string } {
    return this.db.transaction(() => {
      const row = this.flowRow(id)
      const content = this.sql(
        'SELECT content FROM flow_revisions WHERE flow_id = ? AND revision = ?',
      )
        .pluck()
        .get(id, revision) as string | undefined
      if (content === undefined) {
        throw new ApiFailure('not-found', `Flow "${id}" has no revision ${revision}`)
      }
      return this.writeDraft(id, content, JSON.parse(content) as Flow, row.draft_version)
    })()
  }

  /** A copy of the draft and the test cases under a new id (`<id>-copy`, `<id>-copy-2`, …). */
  duplicate(id: string, newId?: string, newName?: string): FlowSummary {
    return this.db.transaction(() => {
      const source = this.getFlow(id)
      let targetId = newId ?? `${id}-copy`
      if (newId === undefined) {
        for (let i = 2; this.findFlow(targetId); i++) targetId = `${id}-copy-${i}`
      }
      const copy: Flow = {
        ...source.draft.flow,
        id: targetId,
        name: newName ?? `${source.summary.name} (copy)`,
      }
      const { text } = draftDocument(targetId, copy)
      this.insertFlow(copy, text, now())
      if (!Array.isArray(copy.tests)) {
        this.sql(
          `INSERT INTO test_cases (flow_id, position, name, content)
           SELECT ?, position, name, content FROM test_cases WHERE flow_id = ?`,
        ).run(targetId, id)
      }
      return summaryOf(this.flowRow(targetId))
    })()
  }

  /** Moves the flow to the trash; `restore` brings it back, `emptyTrash` removes it for good. */
  delete(id: string): void {
    const row = this.findFlow(id)
    if (!row || row.deleted_at) throw new ApiFailure('not-found', `Flow "${id}" was not found`)
    this.sql('UPDATE flows SET deleted_at = ? WHERE id = ?').run(now(), id)
  }

  restore(id: string): FlowSummary {
    const row = this.flowRow(id)
    if (!row.deleted_at) return summaryOf(row)
    this.sql('UPDATE flows SET deleted_at = NULL, updated_at = ? WHERE id = ?').run(now(), id)
    return summaryOf(this.flowRow(id))
  }

  /** Removes trashed flows with their drafts, revisions and test cases; returns how many. */
  emptyTrash(): number {
    return this.sql('DELETE FROM flows WHERE deleted_at IS NOT NULL').run().changes
  }

  /** The deployed flow for runners; null when the flow is unknown, trashed or never deployed. */
  production(id: string): { revision: number; flow: Flow } | null {
    const row = this.sql(
      `SELECT r.revision, r.content FROM flows f
       JOIN flow_revisions r ON r.flow_id = f.id AND r.revision = f.production_revision
       WHERE f.id = ? AND f.deleted_at IS NULL`,
    ).get(id) as { revision: number; content: string } | undefined
    return row ? { revision: row.revision, flow: JSON.parse(row.content) as Flow } : null
  }

  listTestCases(flowId: string): TestCase[] {
    this.flowRow(flowId)
    const rows = this.sql('SELECT content FROM test_cases WHERE flow_id = ? ORDER BY position')
      .pluck()
      .all(flowId) as string[]
    return rows.map((content) => JSON.parse(content) as TestCase)
  }

  /** Replaces all of the flow's test cases at once. */
  saveTestCases(flowId: string, cases: TestCase[]): void {
    this.db.transaction(() => {
      this.flowRow(flowId)
      this.writeTestCases(flowId, cases)
    })()
  }

  private writeTestCases(flowId: string, cases: TestCase[]): void {
    this.sql('DELETE FROM test_cases WHERE flow_id = ?').run(flowId)
    const insert = this.sql(
      'INSERT INTO test_cases (flow_id, position, name, content) VALUES (?, ?, ?, ?)',
    )
    cases.forEach((c, i) => {
      const name = typeof c.name === 'string' && c.name ? c.name : `Case ${i + 1}`
      insert.run(flowId, i, name, JSON.stringify(c))
    })
  }

  // ---- journal (read side; serve writes it) ----

  /**
   * Journaled events oldest first, read a page at a time so a long history is never in memory
   * at once (and no statement stays open while the caller works between pages).
   */
  *journalEntries(query: { flowId?: string; since?: string } = {}): Generator<JournalEntry> {
    const page = this.sql(
      `SELECT seq, flow_id AS flowId, event, source, received_at AS receivedAt, status, run_id AS runId
       FROM journal WHERE seq > ? AND (? IS NULL OR flow_id = ?) AND (? IS NULL OR received_at >= ?)
       ORDER BY seq LIMIT 500`,
    )
    let after = 0
    for (;;) {
      const flowId = query.flowId ?? null
      const since = query.since ?? null
      const rows = page.all(after, flowId, flowId, since, since) as (JournalEntry & {
        event: string
      })[]
      for (const row of rows) {
        const parsed = parseJsonText(row.event)
        yield { ...row, event: parsed.ok ? parsed.value : row.event }
      }
      if (rows.length < 500) return
      after = rows[rows.length - 1]!.seq
    }
  }

  /** A kept run's report, or null once retention has pruned it. */
  findRun(runId: string): ExecutionReport | null {
    const report = this.sql('SELECT report FROM runs WHERE run_id = ?').pluck().get(runId) as
      string | undefined
    return report === undefined ? null : (JSON.parse(report) as ExecutionReport)
  }

  // ---- runs ----

  recordRun(report: ExecutionReport): void {
    this.sql(
      `INSERT OR REPLACE INTO runs (run_id, flow_id, flow_version, status, started_at, duration_ms, report)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
  listRuns(query: RunQuery = {}): RunPage {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), MAX_RUNS_PAGE)
    const offset = Math.max(Math.trunc(query.offset ?? 0), 0)
    const where: string[] = []
    const params: (string | number)[] = []
    if (query.flowId !== undefined) {
      where.push('flow_id = ?')
      params.push(query.flowId)
    }
    const total = this.sql(
      `SELECT count(*) FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    )
      .pluck()
      .get(...params) as number
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor)
      // A row value, so SQLite seeks the index to the cursor instead of walking up to it.
      where.push('(started_at, rowid) < (?, ?)')
      params.push(after.startedAt, after.seq)
    }
    // One row more than asked tells whether another page follows.
    const rows = this.sql(
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?`,
    ).all(...params, limit + 1, query.cursor === undefined ? offset : 0) as RunRow[]
    const more = rows.length > limit
    const page = more ? rows.slice(0, limit) : rows
    return {
      runs: page.map(({ seq: _seq, ...summary }) => summary),
      total,
      nextCursor: more ? encodeCursor(page[page.length - 1]!) : null,
    }
  }

  getRun(runId: string): ExecutionReport {
    const report = this.sql('SELECT report FROM runs WHERE run_id = ?').pluck().get(runId) as
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
    const ids = this.sql(
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
    const removed = this.sql(
      `DELETE FROM runs WHERE rowid IN (
         SELECT rowid FROM runs WHERE flow_id = ?
         ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?)`,
    ).run(flowId, PRUNE_BATCH, this.retention).changes
    this.pendingPrune.delete(flowId)
    // A full batch means there may be more: the flow goes to the back of the queue.
    if (removed === PRUNE_BATCH) this.pendingPrune.add(flowId)
    return removed
  }
}
