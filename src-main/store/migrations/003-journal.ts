import type { Migration } from '../migrate'

/**
 * The serve journal: every accepted webhook/schedule/API event is written here before it is
 * acknowledged, and marked done in the same transaction that saves its run.
 */
export const journal: Migration = {
  version: 3,
  name: 'journal',
  up(db) {
    db.exec(`
      CREATE TABLE journal (
        seq INTEGER PRIMARY KEY,
        flow_id TEXT NOT NULL,
        idempotency_key TEXT UNIQUE,
        event TEXT NOT NULL,
        source TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        run_id TEXT,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX journal_pending ON journal(status, seq);
    `)
  },
}
