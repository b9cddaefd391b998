/**
 * Flows and staging (design §6): each flow's draft (autosaved, versioned against stale
 * writers), its deployed revisions (never changed once written), revert, duplicate and the
 * trash. A draft that carries `tests` replaces the flow's test cases in the same transaction.
 */
import { createHash } from 'node:crypto'
import { ApiFailure } from '../../src-shared/api/result'
import type { Flow, Problem } from '../../src-shared/flow/types'
import { parseJsonText } from '../../src-shared/json-text'
import type { Statements } from './statements'
import type { TestCasesRepository } from './test-cases'

export const MAX_DRAFT_BYTES = 10 * 1024 * 1024

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

const FLOW_COLUMNS = 'f.*, d.draft_version'
const FLOW_FROM = 'flows f JOIN flow_drafts d ON d.flow_id = f.id'

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

export class FlowsRepository {
  constructor(
    private readonly s: Statements,
    private readonly testCases: TestCasesRepository,
  ) {}

  /** Throws not-found unless the flow exists (trashed ones count). */
  require(id: string): void {
    this.row(id)
  }

  private find(id: string): FlowRow | undefined {
    return this.s.sql(`SELECT ${FLOW_COLUMNS} FROM ${FLOW_FROM} WHERE f.id = ?`).get(id) as
      FlowRow | undefined
  }

  private row(id: string): FlowRow {
    const row = this.find(id)
    if (!row) throw new ApiFailure('not-found', `Flow "${id}" was not found`)
    return row
  }

  list(options: { includeDeleted?: boolean } = {}): FlowSummary[] {
    const where = options.includeDeleted ? '' : 'WHERE f.deleted_at IS NULL'
    const rows = this.s
      .sql(`SELECT ${FLOW_COLUMNS} FROM ${FLOW_FROM} ${where} ORDER BY lower(f.name), f.id`)
      .all() as FlowRow[]
    return rows.map(summaryOf)
  }

  /** A new flow whose draft is `flow` (version 1); nothing is deployed yet. */
  create(flow: Flow): FlowSummary {
    if (!flow || typeof flow !== 'object' || typeof flow.id !== 'string' || !flow.id) {
      throw new ApiFailure('invalid-flow', 'A flow needs an id')
    }
    const { text } = draftDocument(flow.id, flow)
    return this.s.transaction(() => {
      this.insert(flow, text, now())
      return summaryOf(this.row(flow.id))
    })
  }

  private insert(flow: Flow, text: string, at: string): void {
    if (this.find(flow.id)) {
      throw new ApiFailure('flow-exists', `A flow with id "${flow.id}" already exists`)
    }
    const meta = flowMeta(flow)
    this.s
      .sql(
        'INSERT INTO flows (id, name, description, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(flow.id, meta.name, meta.description, meta.tags, at, at)
    this.s
      .sql(
        'INSERT INTO flow_drafts (flow_id, draft_version, content, saved_at) VALUES (?, 1, ?, ?)',
      )
      .run(flow.id, text, at)
    if (Array.isArray(flow.tests)) this.testCases.write(flow.id, flow.tests)
  }

  get(id: string): FlowRecord {
    return this.s.transaction(() => {
      const row = this.row(id)
      const draft = this.s
        .sql('SELECT draft_version, content, saved_at FROM flow_drafts WHERE flow_id = ?')
        .get(id) as { draft_version: number; content: string; saved_at: string }
      const production =
        row.production_revision === null
          ? undefined
          : (this.s
              .sql(
                'SELECT revision, content, created_at, note FROM flow_revisions WHERE flow_id = ? AND revision = ?',
              )
              .get(id, row.production_revision) as
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
    })
  }

  /**
   * Saves a new draft over `baseVersion` (a document, or its JSON text from the editor).
   * A stale base, a draft over 10 MB, text that is not JSON or a draft for another flow id is
   * refused and the stored draft stays as it was. Drafts with validation problems are saved:
   * they are work in progress, and deploy is where problems stop a flow.
   */
  saveDraft(id: string, baseVersion: number, draft: unknown): { version: number; savedAt: string } {
    const { text, flow } = draftDocument(id, draft)
    return this.s.transaction(() => this.writeDraft(id, text, flow, baseVersion))
  }

  private writeDraft(
    id: string,
    text: string,
    flow: Flow,
    baseVersion: number,
  ): { version: number; savedAt: string } {
    const row = this.row(id)
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
    this.s
      .sql('UPDATE flow_drafts SET draft_version = ?, content = ?, saved_at = ? WHERE flow_id = ?')
      .run(version, text, at, id)
    this.s
      .sql('UPDATE flows SET name = ?, description = ?, tags = ?, updated_at = ? WHERE id = ?')
      .run(meta.name, meta.description, meta.tags, at, id)
    if (Array.isArray(flow.tests)) this.testCases.write(id, flow.tests)
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
    const record = this.get(id)
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
    const revision = this.s.transaction(() => {
      const last = this.s
        .sql('SELECT max(revision) FROM flow_revisions WHERE flow_id = ?')
        .pluck()
        .get(id) as number | null
      const next = (last ?? 0) + 1
      this.s
        .sql(
          'INSERT INTO flow_revisions (flow_id, revision, content, sha256, created_at, note) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, next, text, hash, at, options.note ?? null)
      this.s
        .sql('UPDATE flows SET production_revision = ?, updated_at = ? WHERE id = ?')
        .run(next, at, id)
      return next
    })
    return { revision, deployedAt: at, sha256: hash }
  }

  /** Deployed revisions, newest first. */
  history(id: string): RevisionSummary[] {
    const row = this.row(id)
    const rows = this.s
      .sql(
        'SELECT revision, created_at, note, sha256 FROM flow_revisions WHERE flow_id = ? ORDER BY revision DESC',
      )
      .all(id) as { revision: number; created_at: string; note: string | null; sha256: string }[]
    return rows.map((r) => ({
      revision: r.revision,
      createdAt: r.created_at,
      note: r.note,
      sha256: r.sha256,
      isProduction: r.revision === row.production_revision,
    }))
  }

  /** One deployed revision as it was deployed, for History to show and diff. */
  revision(
    id: string,
    revision: number,
  ): { revision: number; flow: Flow; createdAt: string; note: string | null } {
    this.row(id)
    const row = this.s
      .sql(
        'SELECT content, created_at, note FROM flow_revisions WHERE flow_id = ? AND revision = ?',
      )
      .get(id, revision) as { content: string; created_at: string; note: string | null } | undefined
    if (!row) throw new ApiFailure('not-found', `Flow "${id}" has no revision ${revision}`)
    return {
      revision,
      flow: JSON.parse(row.content) as Flow,
      createdAt: row.created_at,
      note: row.note,
    }
  }

  /** Makes a revision the new draft; production changes only with the next deploy. */
  revert(id: string, revision: number): { version: number; savedAt: string } {
    return this.s.transaction(() => {
      const row = this.row(id)
      const content = this.s
        .sql('SELECT content FROM flow_revisions WHERE flow_id = ? AND revision = ?')
        .pluck()
        .get(id, revision) as string | undefined
      if (content === undefined) {
        throw new ApiFailure('not-found', `Flow "${id}" has no revision ${revision}`)
      }
      return this.writeDraft(id, content, JSON.parse(content) as Flow, row.draft_version)
    })
  }

  /** A copy of the draft and the test cases under a new id (`<id>-copy`, `<id>-copy-2`, …). */
  duplicate(id: string, newId?: string, newName?: string): FlowSummary {
    return this.s.transaction(() => {
      const source = this.get(id)
      let targetId = newId ?? `${id}-copy`
      if (newId === undefined) {
        for (let i = 2; this.find(targetId); i++) targetId = `${id}-copy-${i}`
      }
      const copy: Flow = {
        ...source.draft.flow,
        id: targetId,
        name: newName ?? `${source.summary.name} (copy)`,
      }
      const { text } = draftDocument(targetId, copy)
      this.insert(copy, text, now())
      if (!Array.isArray(copy.tests)) this.testCases.copy(id, targetId)
      return summaryOf(this.row(targetId))
    })
  }

  /** Moves the flow to the trash; `restore` brings it back, `emptyTrash` removes it for good. */
  delete(id: string): void {
    const row = this.find(id)
    if (!row || row.deleted_at) throw new ApiFailure('not-found', `Flow "${id}" was not found`)
    this.s.sql('UPDATE flows SET deleted_at = ? WHERE id = ?').run(now(), id)
  }

  restore(id: string): FlowSummary {
    const row = this.row(id)
    if (!row.deleted_at) return summaryOf(row)
    this.s.sql('UPDATE flows SET deleted_at = NULL, updated_at = ? WHERE id = ?').run(now(), id)
    return summaryOf(this.row(id))
  }

  /** Removes trashed flows with their drafts, revisions and test cases; returns how many. */
  emptyTrash(): number {
    return this.s.sql('DELETE FROM flows WHERE deleted_at IS NOT NULL').run().changes
  }

  /** The deployed flow for runners; null when the flow is unknown, trashed or never deployed. */
  production(id: string): { revision: number; flow: Flow } | null {
    const row = this.s
      .sql(
        `SELECT r.revision, r.content FROM flows f
       JOIN flow_revisions r ON r.flow_id = f.id AND r.revision = f.production_revision
       WHERE f.id = ? AND f.deleted_at IS NULL`,
      )
      .get(id) as { revision: number; content: string } | undefined
    return row ? { revision: row.revision, flow: JSON.parse(row.content) as Flow } : null
  }
}
