import type { Migration } from '../migrate'

/**
 * Runs are listed newest first with the rowid breaking ties of `started_at`. An index declared
 * `started_at DESC` stores its implicit rowid ascending, so that order needed a sort of every
 * run of the flow on each page; an ascending index scanned backwards yields it directly.
 * Profiles get an index on `updated_at` for "recently active" lists.
 */
export const runOrderIndexes: Migration = {
  version: 2,
  name: 'run-order-indexes',
  up(db) {
    db.exec(`
      DROP INDEX runs_by_flow;
      DROP INDEX runs_by_time;
      CREATE INDEX runs_by_flow ON runs(flow_id, started_at);
      CREATE INDEX runs_by_time ON runs(started_at);
      CREATE INDEX profiles_by_update ON profiles(updated_at);
    `)
  },
}
