/**
 * The cluster's PostgreSQL tables, as ordered migrations applied in one transaction each under
 * an advisory lock (several ingest nodes and workers start at once).
 *
 * - `bundles`: every deployed bundle (its zip, checked as `import` checks it); `deployed_flows`:
 *   the flows of each revision. The current revision of a flow is its highest.
 * - `inbox`: one row per accepted (event, flow), committed before the job is queued.
 *   `idempotency_key` is unique across ingest nodes. `queued_at` is null until the queue took
 *   it (the reconciler re-adds those).
 * - `processed_events`: written in the run's transaction; a second delivery of a job finds its
 *   row and stops.
 * - `profiles`, `sessions`, `events`, `runs`: the state runs read and write. A profile or session
 *   row whose `data` is null is a placeholder a worker inserted only to have a row to lock.
 * - Documents (events, profiles, sessions, reports, flows) are `json`, not `jsonb`: the text is
 *   kept as sent, so an event may hold anything JSON may, NUL characters included, which jsonb
 *   refuses (test/security/cluster-nul-in-event.test.ts). Nothing queries inside them but a
 *   run's duration.
 * - `bundles.content` is null for a folder of flows served as is (its plugins are installed on
 *   every worker); a bundle file keeps its zip, which is where a worker finds bundled plugin code.
 */
export interface ClusterMigration {
  version: number
  sql: string
}

export const CLUSTER_MIGRATIONS: ClusterMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE bundles (
  revision bigserial PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  manifest json NOT NULL,
  content bytea,
  deployed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE deployed_flows (
  flow_id text NOT NULL,
  revision bigint NOT NULL REFERENCES bundles (revision),
  flow json NOT NULL,
  PRIMARY KEY (flow_id, revision)
);
CREATE TABLE inbox (
  id text PRIMARY KEY,
  flow_id text NOT NULL,
  event_id text NOT NULL,
  event json NOT NULL,
  source text NOT NULL,
  idempotency_key text UNIQUE,
  received_at timestamptz NOT NULL DEFAULT now(),
  queued_at timestamptz
);
CREATE INDEX inbox_unqueued ON inbox (received_at) WHERE queued_at IS NULL;
CREATE INDEX inbox_flow ON inbox (flow_id);
CREATE TABLE processed_events (
  inbox_id text PRIMARY KEY REFERENCES inbox (id),
  flow_id text NOT NULL,
  status text NOT NULL,
  run_id text,
  revision bigint,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_flow ON processed_events (flow_id, status);
CREATE TABLE profiles (
  id text PRIMARY KEY,
  data json,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sessions (
  id text PRIMARY KEY,
  profile_id text,
  data json,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE events (
  id text PRIMARY KEY,
  data json NOT NULL
);
CREATE TABLE runs (
  run_id text PRIMARY KEY,
  flow_id text NOT NULL,
  revision bigint,
  inbox_id text,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  report json NOT NULL
);
CREATE INDEX runs_flow ON runs (flow_id, started_at DESC);
`,
  },
]
