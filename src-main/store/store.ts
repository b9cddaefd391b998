/**
 * The store (design §6): flows with their draft and every deployed revision, test cases,
 * profiles, sessions, events and runs, in one SQLite database per data directory.
 * Transaction bodies are synchronous and statements prepared once (better-sqlite3's advice).
 */
import type { Database, Statement } from 'better-sqlite3'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { ApiFailure } from '../../src-shared/api/result'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, Problem, TestCase } from '../../src-shared/flow/types'
import { parseJsonText } from '../../src-shared/json-text'
import type { EventRecord, ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import type { RunCommit, StateStore } from '../engine/state-store'
import type { OpenOptions } from './database'
import { openDatabase } from './database'

export const DATABASE_FILE = 'flowbench.db'
export const MAX_DRAFT_BYTES = 10 * 1024 * 1024
export const DEFAULT_RUN_RETENTION = 1000

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
  status: 'succeeded' | 'failed' | 'cancelled'
  startedAt: string
  durationMs: number
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

export interface StoreOptions extends OpenOptions {
  /** Runs kept per flow; older ones are pruned in the background. */
  retention?: number
}

function now(): string {
  return new Date().toISOString()
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
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

function flowMeta(flow: Flow): { name: string; description: string; tags: string } {
  const name = typeof flow.name === 'string' && flow.name.trim() ? flow.name : flow.id
  const description = typeof flow.description === 'string' ? flow.description : ''
  const tags = Array.isArray(flow.tags) ? flow.tags.filter((t): t is string => typeof t === 'string') : []
  return { name, description, tags: JSON.stringify(tags) }
}

export class Store {
  readonly file: string
  readonly db: Database
  readonly recovered: { movedTo: string; reason: string } | null
  readonly state: SqliteStateStore
  private readonly retention: number
  private readonly markClosed: () => void
  private readonly statements = new Map<string, Statement>()
  private readonly pendingPrune = new Set<string>()
  private pruneTimer: ReturnType<typeof setTimeout> | null = null
  private closed = false

  private constructor(file: string, options: StoreOptions) {
    this.file = file
    const opened = openDatabase(file, options)
    this.db = opened.db
    this.recovered = opened.recovered
    this.markClosed = opened.markClosed
    this.retention = options.retention ?? DEFAULT_RUN_RETENTION
    this.state = new SqliteStateStore(this)
  }

  static open(dataDir: string, options: StoreOptions = {}): Store {
    return new Store(path.join(dataDir, DATABASE_FILE), options)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.pruneTimer) clearTimeout(this.pruneTimer)
    this.pruneNow()
    this.db.close()
    this.markClosed()
  }

  /** Prepared statements, cached by their SQL. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  // ---- flows and staging ----

  private flowRow(id: string, includeDeleted = true): FlowRow {
    const row = this.statement(
      `SELECT f.*, d.draft_version FROM flows f JOIN flow_drafts d ON d.flow_id = f.id WHERE f.id = ?`,
    ).get(id) as FlowRow | undefined
    if (!row || (!includeDeleted && row.deleted_at)) throw new ApiFailure('not-found', `Flow "${id}" was not found`)
    return row
  }

  listFlows(options: { includeDeleted?: boolean } = {}): FlowSummary[] {
    const rows = this.statement(
      `SELECT f.*, d.draft_version FROM flows f JOIN flow_drafts d ON d.flow_id = f.id ORDER BY lower(f.name), f.id`,
    ).all() as FlowRow[]
    return rows.filter((row) => options.includeDeleted || !row.deleted_at).map(summaryOf)
  }

  createFlow(flow: Flow): FlowSummary {
    if (typeof flow.id !== 'string' || !flow.id) throw new ApiFailure('invalid-flow', 'A flow needs an id')
    const text = JSON.stringify(flow)
    if (Buffer.byteLength(text) > MAX_DRAFT_BYTES) throw new ApiFailure('draft-too-large', `The flow is larger than ${MAX_DRAFT_BYTES / 1024 / 1024} MB`)
    const at = now()
    const meta = flowMeta(flow)
    this.db.transaction(() => {
      if (this.statement('SELECT 1 FROM flows WHERE id = ?').get(flow.id)) throw new ApiFailure('flow-exists', `A flow with id "${flow.id}" already exists`)
      this.statement('INSERT INTO flows (id, name, description, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(flow.id, meta.name, meta.description, meta.tags, at, at)
      this.statement('INSERT INTO flow_drafts (flow_id, draft_version, content, saved_at) VALUES (?, 1, ?, ?)').run(flow.id, text, at)
      if (Array.isArray(flow.tests)) this.writeTestCases(flow.id, flow.tests)
    })()
    return summaryOf(this.flowRow(flow.id))
  }

  getFlow(id: string): FlowRecord {
    const row = this.flowRow(id)
    const draft = this.statement('SELECT draft_version, content, saved_at FROM flow_drafts WHERE flow_id = ?').get(id) as { draft_version: number; content: string; saved_at: string }
    const production = row.production_revision
      ? (this.statement('SELECT revision, content, created_at, note FROM flow_revisions WHERE flow_id = ? AND revision = ?').get(id, row.production_revision) as
          | { revision: number; content: string; created_at: string; note: string | null }
          | undefined)
      : undefined
    return {
      summary: summaryOf(row),
      draft: { version: draft.draft_version, flow: JSON.parse(draft.content) as Flow, savedAt: draft.saved_at },
      production: production ? { revision: production.revision, flow: JSON.parse(production.content) as Flow, deployedAt: production.created_at, note: production.note } : null,
    }
  }

  /**
   * Saves a new draft over `baseVersion`. A stale base, a draft over 10 MB, text that is not
   * JSON or a draft for another flow id is refused, and the stored draft stays as it was.
   * Drafts with validation problems are saved: they are work in progress.
   */
  saveDraft(id: string, baseVersion: number, draft: unknown): { version: number; savedAt: string } {
    let text: string
    let flow: unknown
    if (typeof draft === 'string') {
      if (Buffer.byteLength(draft) > MAX_DRAFT_BYTES) throw new ApiFailure('draft-too-large', `The draft is larger than ${MAX_DRAFT_BYTES / 1024 / 1024} MB; it was not saved`)
      const parsed = parseJsonText(draft)
      if (!parsed.ok) throw new ApiFailure('invalid-json', `The draft is not valid JSON (${parsed.message}); it was not saved`)
      flow = parsed.value
      text = JSON.stringify(flow)
    } else {
      flow = draft
      text = JSON.stringify(draft) ?? 'null'
      if (Buffer.byteLength(text) > MAX_DRAFT_BYTES) throw new ApiFailure('draft-too-large', `The draft is larger than ${MAX_DRAFT_BYTES / 1024 / 1024} MB; it was not saved`)
    }
    if (!flow || typeof flow !== 'object' || Array.isArray(flow)) throw new ApiFailure('invalid-flow', 'A draft must be a JSON object; it was not saved')
    const document = flow as Flow
    if (document.id !== id) throw new ApiFailure('id-mismatch', `The draft's id "${String(document.id)}" is not the flow's id "${id}"; it was not saved`)
    const at = now()
    const meta = flowMeta(document)
    const version = this.db.transaction(() => {
      const row = this.flowRow(id)
      if (row.draft_version !== baseVersion) {
        throw new ApiFailure('stale-draft', `The draft changed since version ${baseVersion} (it is now version ${row.draft_version}); reload it before saving`)
      }
      const next = row.draft_version + 1
      this.statement('UPDATE flow_drafts SET draft_version = ?, content = ?, saved_at = ? WHERE flow_id = ?').run(next, text, at, id)
      this.statement('UPDATE flows SET name = ?, description = ?, tags = ?, updated_at = ? WHERE id = ?').run(meta.name, meta.description, meta.tags, at, id)
      if (Array.isArray(document.tests)) this.writeTestCases(id, document.tests)
      return next
    })()
    return { version, savedAt: at }
  }

  /** Copies the draft to production after validation; the previous production stays in the history. */
  deploy(id: string, options: { note?: string; validate: (flow: Flow) => Problem[] }): { revision: number; deployedAt: string } {
    const record = this.getFlow(id)
    if (record.summary.deletedAt) throw new ApiFailure('flow-deleted', `Flow "${id}" is in the trash; restore it before deploying`)
    const problems = options.validate(record.draft.flow)
    const errors = problems.filter((p) => p.severity === 'error')
    if (errors.length > 0) {
      throw new ApiFailure('invalid-flow', `Deploy refused: the draft has ${errors.length} error${errors.length === 1 ? '' : 's'} (${errors[0]!.message})`, errors)
    }
    const text = JSON.stringify(record.draft.flow)
    const at = now()
    const revision = this.db.transaction(() => {
      const last = this.statement('SELECT max(revision) AS r FROM flow_revisions WHERE flow_id = ?').get(id) as { r: number | null }
      const next = (last.r ?? 0) + 1
      this.statement('INSERT INTO flow_revisions (flow_id, revision, content, sha256, created_at, note) VALUES (?, ?, ?, ?, ?, ?)').run(id, next, text, sha256(text), at, options.note ?? null)
      this.statement('UPDATE flows SET production_revision = ?, updated_at = ? WHERE id = ?').run(next, at, id)
      return next
    })()
    return { revision, deployedAt: at }
  }

  history(id: string): RevisionSummary[] {
    const row = this.flowRow(id)
    const rows = this.statement('SELECT revision, created_at, note, sha256 FROM flow_revisions WHERE flow_id = ? ORDER BY revision DESC').all(id) as {
      revision: number
      created_at: string
      note: string | null
      sha256: string
    }[]
    return rows.map((r) => ({ revision: r.revision, createdAt: r.created_at, note: r.note, sha256: r.sha256, isProduction: r.revision === row.production_revision }))
  }

  /** Makes an earlier revision the new draft; production does not change until the next deploy. */
  revert(id: string, revision: number): { version: number; savedAt: string } {
    const found = this.statement('SELECT content FROM flow_revisions WHERE flow_id = ? AND revision = ?').get(id, revision) as { content: string } | undefined
    if (!found) throw new ApiFailure('not-found', `Flow "${id}" has no revision ${revision}`)
    const current = this.flowRow(id)
    return this.saveDraft(id, current.draft_version, JSON.parse(found.content) as Flow)
  }

  duplicate(id: string, newId?: string, newName?: string): FlowSummary {
    const source = this.getFlow(id)
    const taken = new Set(this.listFlows({ includeDeleted: true }).map((f) => f.id))
    let targetId = newId ?? `${id}-copy`
    if (newId && taken.has(newId)) throw new ApiFailure('flow-exists', `A flow with id "${newId}" already exists`)
    for (let i = 2; taken.has(targetId); i++) targetId = `${id}-copy-${i}`
    const copy: Flow = { ...structuredClone(source.draft.flow), id: targetId, name: newName ?? `${source.summary.name} (copy)` }
    return this.createFlow(copy)
  }

  delete(id: string): void {
    this.flowRow(id, false)
    this.statement('UPDATE flows SET deleted_at = ? WHERE id = ?').run(now(), id)
  }

  restore(id: string): FlowSummary {
    const row = this.flowRow(id)
    if (!row.deleted_at) return summaryOf(row)
    this.statement('UPDATE flows SET deleted_at = NULL, updated_at = ? WHERE id = ?').run(now(), id)
    return summaryOf(this.flowRow(id))
  }

  emptyTrash(): number {
    return this.statement('DELETE FROM flows WHERE deleted_at IS NOT NULL').run().changes
  }

  /** The deployed flow, for runners. */
  production(id: string): { revision: number; flow: Flow } | null {
    const record = this.getFlow(id)
    return record.production ? { revision: record.production.revision, flow: record.production.flow } : null
  }

  listTestCases(flowId: string): TestCase[] {
    this.flowRow(flowId)
    const rows = this.statement('SELECT content FROM test_cases WHERE flow_id = ? ORDER BY position').all(flowId) as { content: string }[]
    return rows.map((r) => JSON.parse(r.content) as TestCase)
  }

  saveTestCases(flowId: string, cases: TestCase[]): void {
    this.db.transaction(() => {
      this.flowRow(flowId)
      this.writeTestCases(flowId, cases)
    })()
  }

  private writeTestCases(flowId: string, cases: TestCase[]): void {
    this.statement('DELETE FROM test_cases WHERE flow_id = ?').run(flowId)
    const insert = this.statement('INSERT INTO test_cases (flow_id, position, name, content) VALUES (?, ?, ?, ?)')
    cases.forEach((c, i) => insert.run(flowId, i, typeof c.name === 'string' ? c.name : `Case ${i + 1}`, JSON.stringify(c)))
  }

  // ---- runs ----

  recordRun(report: ExecutionReport): void {
    this.statement('INSERT OR REPLACE INTO runs (run_id, flow_id, flow_version, status, started_at, duration_ms, report) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      report.runId,
      report.flowId,
      report.flowVersion,
      report.status,
      report.startedAt,
      report.durationMs,
      JSON.stringify(report),
    )
    this.schedulePrune(report.flowId)
  }

  listRuns(options: { flowId?: string; limit?: number; offset?: number } = {}): { runs: RunSummary[]; total: number } {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500)
    const offset = Math.max(options.offset ?? 0, 0)
    const columns = 'run_id AS runId, flow_id AS flowId, flow_version AS flowVersion, status, started_at AS startedAt, duration_ms AS durationMs'
    if (options.flowId) {
      const runs = this.statement(`SELECT ${columns} FROM runs WHERE flow_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?`).all(options.flowId, limit, offset) as RunSummary[]
      const total = (this.statement('SELECT count(*) AS n FROM runs WHERE flow_id = ?').get(options.flowId) as { n: number }).n
      return { runs, total }
    }
    const runs = this.statement(`SELECT ${columns} FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?`).all(limit, offset) as RunSummary[]
    const total = (this.statement('SELECT count(*) AS n FROM runs').get() as { n: number }).n
    return { runs, total }
  }

  getRun(runId: string): ExecutionReport | null {
    const row = this.statement('SELECT report FROM runs WHERE run_id = ?').get(runId) as { report: string } | undefined
    return row ? (JSON.parse(row.report) as ExecutionReport) : null
  }

  /** Pruning waits for a quiet moment and deletes in small batches, so runs are never blocked long. */
  private schedulePrune(flowId: string): void {
    this.pendingPrune.add(flowId)
    if (this.pruneTimer || this.closed) return
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = null
      this.pruneNow()
    }, 250)
    this.pruneTimer.unref?.()
  }

  pruneNow(): number {
    let removed = 0
    const flows = [...this.pendingPrune]
    this.pendingPrune.clear()
    const batch = this.statement(
      `DELETE FROM runs WHERE rowid IN (SELECT rowid FROM runs WHERE flow_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 500 OFFSET ?)`,
    )
    for (const flowId of flows) {
      for (;;) {
        const changes = batch.run(flowId, this.retention).changes
        removed += changes
        if (changes < 500) break
      }
    }
    return removed
  }

  /** Every flow's runs over the limit, pruned now (e.g. after the retention setting shrank). */
  pruneAll(): number {
    const flows = this.statement('SELECT DISTINCT flow_id AS id FROM runs').all() as { id: string }[]
    for (const f of flows) this.pendingPrune.add(f.id)
    return this.pruneNow()
  }
}

/** The engine's StateStore on SQLite: a run's changes land in one transaction, or not at all. */
export class SqliteStateStore implements StateStore {
  constructor(private readonly store: Store) {}

  loadProfile(id: string): ProfileRecord | null {
    const row = this.store.statement('SELECT content FROM profiles WHERE id = ?').get(id) as { content: string } | undefined
    return row ? (JSON.parse(row.content) as ProfileRecord) : null
  }

  loadSession(id: string): SessionRecord | null {
    const row = this.store.statement('SELECT content FROM sessions WHERE id = ?').get(id) as { content: string } | undefined
    return row ? (JSON.parse(row.content) as SessionRecord) : null
  }

  commit(commit: RunCommit): void {
    const { profile, session, event } = commit
    const store = this.store
    store.db.transaction(() => {
      store
        .statement('INSERT INTO profiles (id, content, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at')
        .run(profile.id, JSON.stringify(profile), profile.createdAt, profile.updatedAt)
      if (session) {
        store
          .statement('INSERT INTO sessions (id, profile_id, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET profile_id = excluded.profile_id, content = excluded.content, updated_at = excluded.updated_at')
          .run(session.id, session.profileId, JSON.stringify(session), session.createdAt, session.updatedAt)
      }
      store
        .statement('INSERT OR REPLACE INTO events (id, profile_id, session_id, type, time, content) VALUES (?, ?, ?, ?, ?, ?)')
        .run(event.id, event.profileId, event.sessionId, event.type, event.time, JSON.stringify(event))
    })()
  }

  getProfile(id: string): ProfileRecord | null {
    return this.loadProfile(id)
  }

  listProfiles(limit = 100): ProfileRecord[] {
    const rows = this.store.statement('SELECT content FROM profiles ORDER BY updated_at DESC LIMIT ?').all(limit) as { content: string }[]
    return rows.map((r) => JSON.parse(r.content) as ProfileRecord)
  }

  getEvent(id: string): EventRecord | null {
    const row = this.store.statement('SELECT content FROM events WHERE id = ?').get(id) as { content: string } | undefined
    return row ? (JSON.parse(row.content) as EventRecord) : null
  }
}
