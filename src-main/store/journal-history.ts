/**
 * The read side of the runner's journal (journal.ts writes it): what was received, for
 * `replay` and the app's history. Kept apart from the runner's hot path.
 */
import { parseJsonText } from '../../src-shared/json-text'
import type { Statements } from './statements'

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

export class JournalHistory {
  constructor(private readonly s: Statements) {}

  /**
   * Journaled events oldest first, read a page at a time so a long history is never in memory
   * at once (and no statement stays open while the caller works between pages).
   */
  *entries(query: { flowId?: string; since?: string } = {}): Generator<JournalEntry> {
    const page = this.s.sql(
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
}
