import type { Migration } from '../migrate'

/** Flows with their draft and deployed revisions, test cases, profiles, sessions, events, runs, plugins. */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE flows (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT,
        production_revision INTEGER
      ) STRICT;

      CREATE TABLE flow_drafts (
        flow_id TEXT PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
        draft_version INTEGER NOT NULL,
        content TEXT NOT NULL,
        saved_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE flow_revisions (
        flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        content TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT,
        PRIMARY KEY (flow_id, revision)
      ) STRICT;

      CREATE TABLE test_cases (
        flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (flow_id, position)
      ) STRICT;

      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_profile ON sessions(profile_id);

      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        profile_id TEXT,
        session_id TEXT,
        type TEXT NOT NULL,
        time TEXT NOT NULL,
        content TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_by_profile ON events(profile_id, time);

      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        flow_id TEXT NOT NULL,
        flow_version INTEGER,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        report TEXT NOT NULL
      ) STRICT;
      CREATE INDEX runs_by_flow ON runs(flow_id, started_at DESC);
      CREATE INDEX runs_by_time ON runs(started_at DESC);

      CREATE TABLE plugins (
        id TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        source TEXT NOT NULL,
        installed_at TEXT NOT NULL,
        manifest TEXT NOT NULL
      ) STRICT;
    `)
  },
}
