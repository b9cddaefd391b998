/**
 * The cluster's PostgreSQL: one pg Pool per process, the schema brought up to date under an
 * advisory lock (ingest nodes and workers start together; only one of them migrates), and the
 * errors a user sees when the server cannot be reached — naming PostgreSQL and its address,
 * never the password in the URL.
 */
import pg from 'pg'
import { CLUSTER_MIGRATIONS } from './schema'

/** Any number, fixed: every Flowbench process contends for the same lock while migrating. */
const MIGRATION_LOCK = 0x666c6f77

/** Longer than any run should hold a profile's lock (a run waiting on a slow HTTP call included). */
const IDLE_IN_TRANSACTION_MS = 10 * 60_000

/** PostgreSQL or Redis could not be reached or refused us; the message is safe to print. */
export class ClusterConnectionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClusterConnectionError'
  }
}

/** `host:port/database` of a URL, for messages: the user and password stay out. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '(default port)'}${parsed.pathname}`
  } catch {
    return '(an unreadable URL)'
  }
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string }
  if (e.code && /^[A-Z]/.test(e.code) && !/^\d/.test(e.code)) return e.code
  // PostgreSQL's own messages name users and databases but never the password.
  return e.message ?? String(error)
}

export class ClusterDatabase {
  readonly pool: pg.Pool

  private constructor(
    readonly url: string,
    pool: pg.Pool,
  ) {
    this.pool = pool
  }

  /** Connects, checks the server answers and applies pending migrations. */
  static async open(
    url: string,
    options: { maxConnections?: number } = {},
  ): Promise<ClusterDatabase> {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new ClusterConnectionError(
        `--database must be a postgres:// URL, got "${url.split('@').pop()}"`,
      )
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      // A worker whose machine vanished mid-run (no FIN, so no disconnect PostgreSQL would see)
      // would otherwise hold its profile's row lock for hours and stall every event of that
      // profile; after this long idle inside a transaction the server ends the session, the
      // transaction rolls back and the job runs again elsewhere.
      options: `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`,
    })
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => {})
    const db = new ClusterDatabase(url, pool)
    try {
      await db.migrate()
    } catch (error) {
      await pool.end().catch(() => {})
      throw new ClusterConnectionError(
        `cannot use PostgreSQL at ${describeUrl(url)}: ${reason(error)}`,
      )
    }
    return db
  }

  /** All pending migrations, each in its own transaction, while holding the advisory lock. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect()
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
      try {
        await client.query(
          'CREATE TABLE IF NOT EXISTS flowbench_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
        )
        const { rows } = await client.query<{ v: number | null }>(
          'SELECT max(version) AS v FROM flowbench_migrations',
        )
        const current = rows[0]?.v ?? 0
        const newest = CLUSTER_MIGRATIONS.at(-1)?.version ?? 0
        if (current > newest)
          throw new Error(
            `the database is at schema version ${current}, newer than this Flowbench (${newest}); upgrade Flowbench`,
          )
        for (const migration of CLUSTER_MIGRATIONS) {
          if (migration.version <= current) continue
          await client.query('BEGIN')
          try {
            await client.query(migration.sql)
            await client.query('INSERT INTO flowbench_migrations (version) VALUES ($1)', [
              migration.version,
            ])
            await client.query('COMMIT')
          } catch (error) {
            await client.query('ROLLBACK')
            throw error
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
      }
    } finally {
      client.release()
    }
  }

  /** Runs `body` in one transaction on one client; rolls back when it throws. */
  async transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const result = await body(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}
