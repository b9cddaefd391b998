/**
 * The cluster's tables, one small repository per table group. Every method takes the client to
 * run on: the pool for reads and single statements, a transaction's client when the statement is
 * part of a run's one transaction (worker.ts, run-job.ts).
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import type { RunCommit } from '../engine/state-store'
import type { FlowStats, RunSummary } from '../runtime/backend'

/** What pg's Pool and PoolClient both offer. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>
}

// ---- bundles and deployed flows ------------------------------------------------------------

export interface DeployedFlow {
  flowId: string
  revision: number
  flow: Flow
}

export const bundles = {
  /**
   * Stores a bundle and its flows as a new revision, unless the same content (by digest) is
   * stored already: then its revision is answered and nothing is written.
   */
  async deploy(
    db: Queryable,
    bundle: { sha256: string; manifest: unknown; content: Uint8Array | null; flows: Flow[] },
  ): Promise<{ revision: number; created: boolean }> {
    const inserted = await db.query<{ revision: string }>(
      `INSERT INTO bundles (sha256, manifest, content) VALUES ($1, $2, $3)
       ON CONFLICT (sha256) DO NOTHING RETURNING revision`,
      [
        bundle.sha256,
        JSON.stringify(bundle.manifest),
        bundle.content && Buffer.from(bundle.content),
      ],
    )
    if (inserted.rows.length === 0) {
      const { rows } = await db.query<{ revision: string }>(
        'SELECT revision FROM bundles WHERE sha256 = $1',
        [bundle.sha256],
      )
      return { revision: Number(rows[0]!.revision), created: false }
    }
    const revision = Number(inserted.rows[0]!.revision)
    for (const flow of bundle.flows)
      await db.query('INSERT INTO deployed_flows (flow_id, revision, flow) VALUES ($1, $2, $3)', [
        flow.id,
        revision,
        JSON.stringify(flow),
      ])
    return { revision, created: true }
  },

  /** The flow's current (highest) deployed revision, or null when it was never deployed. */
  async currentRevision(db: Queryable, flowId: string): Promise<number | null> {
    const { rows } = await db.query<{ revision: string | null }>(
      'SELECT max(revision) AS revision FROM deployed_flows WHERE flow_id = $1',
      [flowId],
    )
    return rows[0]?.revision == null ? null : Number(rows[0].revision)
  },

  async flowAt(db: Queryable, flowId: string, revision: number): Promise<Flow | null> {
    const { rows } = await db.query<{ flow: Flow }>(
      'SELECT flow FROM deployed_flows WHERE flow_id = $1 AND revision = $2',
      [flowId, revision],
    )
    return rows[0]?.flow ?? null
  },

  /** A revision's flows and the manifest it was deployed with. */
  async revision(
    db: Queryable,
    revision: number,
  ): Promise<{ manifest: Record<string, unknown>; flows: Flow[] }> {
    const [{ rows: bundle }, { rows: flows }] = [
      await db.query<{ manifest: Record<string, unknown> }>(
        'SELECT manifest FROM bundles WHERE revision = $1',
        [revision],
      ),
      await db.query<{ flow: Flow }>('SELECT flow FROM deployed_flows WHERE revision = $1', [
        revision,
      ]),
    ]
    return { manifest: bundle[0]?.manifest ?? {}, flows: flows.map((r) => r.flow) }
  },

  /** The bundle zip of a revision (null for a folder deployed as is). */
  async content(db: Queryable, revision: number): Promise<Uint8Array | null> {
    const { rows } = await db.query<{ content: Buffer | null }>(
      'SELECT content FROM bundles WHERE revision = $1',
      [revision],
    )
    return rows[0]?.content ?? null
  },
}

// ---- inbox ---------------------------------------------------------------------------------

export interface InboxItem {
  id: string
  flowId: string
  event: Record<string, unknown>
  source: string
}

export const inbox = {
  /**
   * Commits an accepted event. With an idempotency key seen before (on any ingest node) nothing
   * is written and the first row's id is answered.
   */
  async add(
    db: Queryable,
    item: InboxItem,
    key: string | null,
  ): Promise<{ id: string; duplicate: boolean }> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO inbox (id, flow_id, event_id, event, source, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [
        item.id,
        item.flowId,
        typeof item.event.id === 'string' ? item.event.id : item.id,
        JSON.stringify(item.event),
        item.source,
        key,
      ],
    )
    if (rows.length > 0) return { id: item.id, duplicate: false }
    const first = await inbox.idOfKey(db, key!)
    return { id: first!, duplicate: true }
  },

  /**
   * Commits several accepted events in one statement (concurrent requests share one commit).
   * Answers, in order, each one's id — the first row's for a key seen before, also within
   * the batch — and whether it is such a repeat.
   */
  async addMany(
    db: Queryable,
    items: { item: InboxItem; key: string | null }[],
  ): Promise<{ id: string; duplicate: boolean }[]> {
    const values: unknown[] = []
    const rows = items.map(({ item, key }) => {
      const at = values.length
      values.push(
        item.id,
        item.flowId,
        typeof item.event.id === 'string' ? item.event.id : item.id,
        JSON.stringify(item.event),
        item.source,
        key,
      )
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`
    })
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO inbox (id, flow_id, event_id, event, source, idempotency_key)
       VALUES ${rows.join(', ')} ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      values,
    )
    const fresh = new Set(inserted.rows.map((r) => r.id))
    const repeatedKeys = items.filter((i) => !fresh.has(i.item.id)).map((i) => i.key!)
    const firstOfKey = new Map<string, string>()
    if (repeatedKeys.length > 0) {
      const { rows: found } = await db.query<{ id: string; idempotency_key: string }>(
        'SELECT id, idempotency_key FROM inbox WHERE idempotency_key = ANY($1)',
        [repeatedKeys],
      )
      for (const row of found) firstOfKey.set(row.idempotency_key, row.id)
    }
    return items.map(({ item, key }) =>
      fresh.has(item.id)
        ? { id: item.id, duplicate: false }
        : { id: firstOfKey.get(key!)!, duplicate: true },
    )
  },

  async idOfKey(db: Queryable, key: string): Promise<string | null> {
    const { rows } = await db.query<{ id: string }>(
      'SELECT id FROM inbox WHERE idempotency_key = $1',
      [key],
    )
    return rows[0]?.id ?? null
  },

  async get(db: Queryable, id: string): Promise<InboxItem | null> {
    const { rows } = await db.query<{
      id: string
      flow_id: string
      event: Record<string, unknown>
      source: string
    }>('SELECT id, flow_id, event, source FROM inbox WHERE id = $1', [id])
    const row = rows[0]
    return row ? { id: row.id, flowId: row.flow_id, event: row.event, source: row.source } : null
  },

  async markQueued(db: Queryable, ids: string[]): Promise<void> {
    if (ids.length > 0)
      await db.query(
        'UPDATE inbox SET queued_at = now() WHERE id = ANY($1) AND queued_at IS NULL',
        [ids],
      )
  },

  /** Rows older than `olderThanMs` that never reached the queue and have not been processed. */
  async unqueued(db: Queryable, olderThanMs: number, limit: number): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `SELECT i.id FROM inbox i
       WHERE i.queued_at IS NULL AND i.received_at < now() - ($1 * interval '1 millisecond')
         AND NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.inbox_id = i.id)
       ORDER BY i.received_at LIMIT $2`,
      [olderThanMs, limit],
    )
    return rows.map((r) => r.id)
  },
}

// ---- processed events ----------------------------------------------------------------------

export type ProcessedStatus = 'succeeded' | 'failed' | 'cancelled' | 'refused'

export const processed = {
  /**
   * Reads an inbox row and claims it in one round trip: the row, whether this transaction got
   * the claim (false: processed before — a repeated delivery) and its flow's current revision.
   * A delivery racing one still in progress waits here for that one to commit.
   */
  async claimItem(
    db: Queryable,
    inboxId: string,
  ): Promise<{ item: InboxItem; claimed: boolean; revision: number | null } | null> {
    const { rows } = await db.query<{
      flow_id: string
      event: Record<string, unknown>
      source: string
      claimed: boolean
      revision: string | null
    }>(
      `WITH claim AS (
         INSERT INTO processed_events (inbox_id, flow_id, status)
         SELECT id, flow_id, 'running' FROM inbox WHERE id = $1
         ON CONFLICT (inbox_id) DO NOTHING RETURNING inbox_id)
       SELECT i.flow_id, i.event, i.source, EXISTS (SELECT 1 FROM claim) AS claimed,
         (SELECT max(revision) FROM deployed_flows d WHERE d.flow_id = i.flow_id) AS revision
       FROM inbox i WHERE i.id = $1`,
      [inboxId],
    )
    const row = rows[0]
    if (!row) return null
    return {
      item: { id: inboxId, flowId: row.flow_id, event: row.event, source: row.source },
      claimed: row.claimed,
      revision: row.revision === null ? null : Number(row.revision),
    }
  },

  /**
   * Saves a run's outcome in one statement: what it changed (when it succeeded), its report
   * and the processed row's final status. One round trip instead of four keeps the profile's
   * lock short.
   */
  async finishRun(
    db: Queryable,
    inboxId: string,
    outcome: {
      status: ProcessedStatus
      report: ExecutionReport | null
      revision: number | null
      commit: RunCommit | null
    },
  ): Promise<void> {
    const values: unknown[] = [
      inboxId,
      outcome.status,
      outcome.report?.runId ?? null,
      outcome.revision,
    ]
    const parts: string[] = []
    const param = (value: unknown) => `$${values.push(value)}`
    const { commit, report } = outcome
    if (commit) {
      parts.push(
        `p AS (INSERT INTO profiles (id, data) VALUES (${param(commit.profile.id)}, ${param(JSON.stringify(commit.profile))})
           ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, updated_at = now() RETURNING 1)`,
        `e AS (INSERT INTO events (id, data) VALUES (${param(commit.event.id)}, ${param(JSON.stringify(commit.event))})
           ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data RETURNING 1)`,
      )
      if (commit.session)
        parts.push(
          `s AS (INSERT INTO sessions (id, profile_id, data) VALUES (${param(commit.session.id)}, ${param(commit.session.profileId)}, ${param(JSON.stringify(commit.session))})
             ON CONFLICT (id) DO UPDATE SET profile_id = EXCLUDED.profile_id, data = EXCLUDED.data, updated_at = now() RETURNING 1)`,
        )
    }
    if (report)
      parts.push(
        `r AS (INSERT INTO runs (run_id, flow_id, revision, inbox_id, status, started_at, report)
           VALUES ($3, ${param(report.flowId)}, $4, $1, ${param(report.status)}, ${param(report.startedAt)}, ${param(JSON.stringify(report))}) RETURNING 1)`,
      )
    await db.query(
      `${parts.length > 0 ? `WITH ${parts.join(',\n')}\n` : ''}UPDATE processed_events SET status = $2, run_id = $3, revision = $4 WHERE inbox_id = $1`,
      values,
    )
  },

  /**
   * Claims an inbox row for this transaction. False when it was processed already: a repeated
   * delivery. (A delivery racing one still in progress waits here for that one to commit.)
   */
  async claim(db: Queryable, inboxId: string, flowId: string): Promise<boolean> {
    const { rowCount } = await db.query(
      `INSERT INTO processed_events (inbox_id, flow_id, status) VALUES ($1, $2, 'running')
       ON CONFLICT (inbox_id) DO NOTHING`,
      [inboxId, flowId],
    )
    return rowCount === 1
  },

  async finish(
    db: Queryable,
    inboxId: string,
    outcome: { status: ProcessedStatus; runId: string | null; revision: number | null },
  ): Promise<void> {
    await db.query(
      'UPDATE processed_events SET status = $2, run_id = $3, revision = $4 WHERE inbox_id = $1',
      [inboxId, outcome.status, outcome.runId, outcome.revision],
    )
  },

  /** How an inbox row ended, or null while it has not (a claim in progress is not visible). */
  async outcome(
    db: Queryable,
    inboxId: string,
  ): Promise<{ status: ProcessedStatus; runId: string | null } | null> {
    const { rows } = await db.query<{ status: ProcessedStatus; run_id: string | null }>(
      'SELECT status, run_id FROM processed_events WHERE inbox_id = $1',
      [inboxId],
    )
    const row = rows[0]
    return row ? { status: row.status, runId: row.run_id } : null
  },

  async stats(db: Queryable, flowId: string): Promise<FlowStats> {
    const { rows } = await db.query<{ accepted: string; succeeded: string; failed: string }>(
      `SELECT (SELECT count(*) FROM inbox WHERE flow_id = $1) AS accepted,
              count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE status <> 'succeeded') AS failed
       FROM processed_events WHERE flow_id = $1`,
      [flowId],
    )
    const accepted = Number(rows[0]!.accepted)
    const succeeded = Number(rows[0]!.succeeded)
    const failed = Number(rows[0]!.failed)
    return { accepted, succeeded, failed, pending: Math.max(0, accepted - succeeded - failed) }
  },

  async pending(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM inbox) - (SELECT count(*) FROM processed_events) AS n`,
    )
    return Math.max(0, Number(rows[0]!.n))
  },
}

// ---- profiles, sessions, events ------------------------------------------------------------

export const state = {
  /**
   * The profile, read under a row lock held until the transaction ends, so two runs of one
   * profile never both read the same version. The row is created first (empty) when missing:
   * there must be a row to lock. `lock: false` exists only to show what goes wrong without it.
   */
  async lockProfile(db: Queryable, id: string, lock = true): Promise<ProfileRecord | null> {
    await db.query('INSERT INTO profiles (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id])
    const { rows } = await db.query<{ data: ProfileRecord | null }>(
      `SELECT data FROM profiles WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    )
    return rows[0]?.data ?? null
  },

  async lockSession(db: Queryable, id: string, lock = true): Promise<SessionRecord | null> {
    await db.query('INSERT INTO sessions (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id])
    const { rows } = await db.query<{ data: SessionRecord | null }>(
      `SELECT data FROM sessions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    )
    return rows[0]?.data ?? null
  },

  async getProfile(db: Queryable, id: string): Promise<ProfileRecord | null> {
    const { rows } = await db.query<{ data: ProfileRecord | null }>(
      'SELECT data FROM profiles WHERE id = $1',
      [id],
    )
    return rows[0]?.data ?? null
  },

  /** Saves what a successful run changed (design §3: all of it in the run's transaction). */
  async save(db: Queryable, commit: RunCommit): Promise<void> {
    await db.query(
      `INSERT INTO profiles (id, data) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, updated_at = now()`,
      [commit.profile.id, JSON.stringify(commit.profile)],
    )
    if (commit.session)
      await db.query(
        `INSERT INTO sessions (id, profile_id, data) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET profile_id = EXCLUDED.profile_id, data = EXCLUDED.data,
           updated_at = now()`,
        [commit.session.id, commit.session.profileId, JSON.stringify(commit.session)],
      )
    await db.query(
      `INSERT INTO events (id, data) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data`,
      [commit.event.id, JSON.stringify(commit.event)],
    )
  },
}

// ---- runs ----------------------------------------------------------------------------------

export const runs = {
  async record(
    db: Queryable,
    report: ExecutionReport,
    revision: number | null,
    inboxId: string | null,
  ): Promise<void> {
    await db.query(
      `INSERT INTO runs (run_id, flow_id, revision, inbox_id, status, started_at, report)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        report.runId,
        report.flowId,
        revision,
        inboxId,
        report.status,
        report.startedAt,
        JSON.stringify(report),
      ],
    )
  },

  async get(db: Queryable, runId: string): Promise<ExecutionReport | null> {
    const { rows } = await db.query<{ report: ExecutionReport }>(
      'SELECT report FROM runs WHERE run_id = $1',
      [runId],
    )
    return rows[0]?.report ?? null
  },

  async recent(db: Queryable, flowId: string, limit: number): Promise<RunSummary[]> {
    const { rows } = await db.query<{
      run_id: string
      flow_id: string
      revision: string | null
      status: RunSummary['status']
      started_at: Date
      duration: number | null
    }>(
      `SELECT run_id, flow_id, revision, status, started_at, (report->>'durationMs')::float AS duration
       FROM runs WHERE flow_id = $1 ORDER BY started_at DESC LIMIT $2`,
      [flowId, limit],
    )
    return rows.map((r) => ({
      runId: r.run_id,
      flowId: r.flow_id,
      flowVersion: r.revision === null ? null : Number(r.revision),
      status: r.status,
      startedAt: r.started_at.toISOString(),
      durationMs: r.duration ?? 0,
    }))
  },
}
