import Database from 'better-sqlite3'
import pg from 'pg'
import { definePlugin } from '../../src-shared/plugin-sdk'
import type { PluginContext } from '../../src-shared/plugin-sdk'
import type { ConnectionSecret, Lease } from '../shared/connections'
import {
  cleanMessage,
  ConnectionPools,
  connectionSchema,
  endpoint,
  failure,
  readConnection,
  refuseInTests,
  tlsMode,
  withTimeLimit,
} from '../shared/connections'

interface Config {
  driver?: 'postgres' | 'sqlite'
  connection: string
  query: string
  params?: unknown[]
  mode?: 'rows' | 'one'
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 5000
const MAX_ROWS = 10_000

// pg hands back 64-bit integers and numerics as text (a JavaScript number would round them);
// dates and byte strings become ISO text and base64 so a report stays JSON.
function jsonRow(row: unknown): unknown {
  return JSON.parse(
    JSON.stringify(row, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString()
      if (
        value &&
        typeof value === 'object' &&
        (value as { type?: unknown }).type === 'Buffer' &&
        Array.isArray((value as { data?: unknown }).data)
      )
        return Buffer.from((value as { data: number[] }).data).toString('base64')
      return value
    }),
  )
}

/** SQLite binds numbers, text, blobs and null; everything else is given the way a user expects. */
function sqliteValue(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'bigint' ||
    Buffer.isBuffer(value)
  )
    return value
  return JSON.stringify(value)
}

const postgresPools = new ConnectionPools<pg.Pool>({
  async open(secret) {
    const { host, port, user, password } = endpoint(secret, 5432)
    const tls = tlsMode(secret)
    const pool = new pg.Pool({
      host,
      port,
      user,
      password,
      database:
        secret.database ??
        (secret.url ? new URL(secret.url).pathname.slice(1) || undefined : undefined),
      ssl: tls === 'off' ? false : { rejectUnauthorized: tls === 'on', ca: secret.ca || undefined },
      max: 5,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: Number(secret.connecttimeoutms) || DEFAULT_TIMEOUT_MS,
      allowExitOnIdle: true,
    })
    // An idle client whose server goes away reports here; the pool drops it and opens another.
    pool.on('error', () => {})
    return pool
  },
  close: (pool) => pool.end(),
  alive: (pool) => !pool.ended,
})

const sqlitePools = new ConnectionPools<Database.Database>({
  async open(secret) {
    const file = secret.file ?? secret.path
    if (!file)
      throw failure(
        'invalid-config',
        'A SQLite connection secret needs a file field (the database file)',
      )
    try {
      const db = new Database(file, {
        fileMustExist: true,
        timeout: Number(secret.busytimeoutms) || DEFAULT_TIMEOUT_MS,
      })
      db.pragma('journal_mode = WAL')
      return db
    } catch (error) {
      throw failure('connection-error', `SQLite: ${(error as Error).message}`)
    }
  },
  close: (db) => {
    db.close()
  },
  alive: (db) => db.open,
})

async function postgresQuery(
  pool: pg.Pool,
  secret: ConnectionSecret,
  query: string,
  values: unknown[],
  timeoutMs: number,
  signal: AbortSignal,
) {
  let client: pg.PoolClient
  const connecting = pool.connect()
  try {
    client = await withTimeLimit(connecting, timeoutMs, 'Connecting to PostgreSQL', signal)
  } catch (error) {
    if ((error as { code?: string }).code === 'timeout' || signal.aborted) {
      // A connection that arrives after the time limit would stay checked out of the pool.
      connecting.then(
        (late) => late.release(true),
        () => {},
      )
      throw error
    }
    throw failure('connection-error', `PostgreSQL: ${cleanMessage(error, secret)}`)
  }
  let broken = false
  try {
    // One transaction per node: its statement either commits whole or leaves nothing behind,
    // and the server itself stops a statement that outlives the node's time limit.
    const work = (async () => {
      await client.query('BEGIN')
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`)
      const result = await client.query({ text: query, values })
      await client.query('COMMIT')
      return result
    })()
    return await withTimeLimit(work, timeoutMs + 500, 'The PostgreSQL query', signal)
  } catch (error) {
    broken = true
    const code = (error as { code?: unknown }).code
    if (code === 'timeout' || signal.aborted) throw error
    const sqlState = typeof code === 'string' ? ` (${code})` : ''
    throw failure(
      code === '57014' ? 'timeout' : 'sql-error',
      `PostgreSQL: ${cleanMessage(error, secret)}${sqlState}`,
    )
  } finally {
    // A client that failed mid-transaction (or timed out) is destroyed rather than reused.
    client.release(broken)
  }
}

function sqliteQuery(db: Database.Database, query: string, values: unknown[]) {
  const statement = db.prepare(query)
  const bound = values.map(sqliteValue)
  return db.transaction(() => {
    if (statement.reader)
      return { rows: statement.all(...bound) as unknown[], rowCount: null as number | null }
    const info = statement.run(...bound)
    return { rows: [] as unknown[], rowCount: info.changes }
  })()
}

export default definePlugin<Config>({
  id: 'sql.query',
  version: '1.0.0',
  name: 'SQL query',
  description: 'Runs a parameterised query on PostgreSQL or a SQLite file and sends on the rows',
  group: 'Integration',
  icon: 'database',
  inputs: ['payload'],
  outputs: ['result', 'empty'],
  configSchema: {
    type: 'object',
    properties: {
      driver: {
        enum: ['postgres', 'sqlite'],
        title: 'Database',
        description: 'PostgreSQL (pg) or a SQLite file (better-sqlite3)',
      },
      connection: connectionSchema(
        'host, port, user, password, database, tls (or url) for PostgreSQL; file for SQLite',
      ),
      query: {
        type: 'string',
        title: 'Query',
        minLength: 1,
        description:
          'One SQL statement, sent as written. Values go in Parameters: $1, $2 … for PostgreSQL, ? for SQLite.',
      },
      params: {
        type: 'array',
        title: 'Parameters',
        description:
          'Values for $1, $2 … (references and {{ }} are resolved; always sent as values, never as SQL)',
      },
      mode: {
        enum: ['rows', 'one'],
        title: 'Result',
        description: 'rows: every row; one: the first row only',
      },
      timeoutMs: { type: 'integer', title: 'Time limit (ms)', minimum: 1, maximum: 300000 },
    },
    required: ['connection', 'query'],
    additionalProperties: false,
  },
  defaultConfig: {
    driver: 'postgres',
    connection: 'secret@warehouse',
    query: 'SELECT id, name, tier FROM customers WHERE email = $1',
    params: ['event@properties.email'],
    mode: 'one',
    timeoutMs: DEFAULT_TIMEOUT_MS,
  },
  form: [
    {
      title: 'Database',
      fields: [
        { field: 'driver', widget: 'select' },
        { field: 'connection', widget: 'text' },
      ],
    },
    {
      title: 'Query',
      fields: [
        { field: 'query', widget: 'code' },
        { field: 'params', widget: 'list' },
        { field: 'mode', widget: 'select' },
      ],
    },
    { title: 'Behaviour', fields: [{ field: 'timeoutMs', widget: 'number' }] },
  ],
  docs: {
    markdown: [
      'Runs **Query** on the database of **Connection** and sends the rows on `result`.',
      '',
      "**Values only through parameters.** The query is sent exactly as written (a `{{ }}` in it is refused); each entry of **Parameters** is resolved (`event@properties.email`, `{{ payload.id }}`, or a literal) and bound as a value, so text such as `x' OR 1=1 --` is compared as text and never runs as SQL. PostgreSQL numbers them `$1, $2 …`, SQLite `?`.",
      '',
      '**Connection** names a secret (`secret@warehouse`) with the fields `host`, `port`, `user`, `password`, `database` and optionally `tls` (`on`, `insecure` or `off`) and `ca` — or one `url` field (`postgres://…`). For SQLite (**Database** `sqlite`) the secret has a `file` field: the path of an existing database file. Credentials are never written in the flow.',
      '',
      'Each node runs its statement in its own transaction: it commits when the statement succeeds and rolls back otherwise. **Time limit** (default 5000 ms) bounds connecting and the statement (PostgreSQL cancels the statement on the server); a SQLite statement runs in-process and the limit applies to waiting for a locked file. Connections are pooled per connection secret and shared by later runs. At most 10,000 rows are sent.',
      '',
      'Errors (bad credentials, server down, SQL errors) go to the `error` port with the server\'s message and SQLSTATE, never the password. In test runs the node never reaches the database: give it a mock (`{ "port": "result", "value": … }`).',
    ].join('\n'),
    inputs: { payload: 'Any value; available to the parameters as `payload`.' },
    outputs: {
      result:
        'With **Result** `rows`: `{ rows: [ {column: value, …} ], rowCount }` (rowCount: rows changed by INSERT/UPDATE/DELETE, or rows returned). With `one`: the first row as an object.',
      empty: 'With **Result** `one`, when the query returned no row: the input payload.',
    },
  },
  testTemplate: {
    config: { driver: 'sqlite', connection: 'secret@warehouse', query: 'SELECT 1 AS one' },
    payload: {},
    expect: { port: 'error' },
  },
  create: () => {
    let lease: Lease<pg.Pool> | Lease<Database.Database> | null = null
    return {
      setUp(c) {
        if (c.query.includes('{{'))
          throw failure(
            'invalid-config',
            'The query is sent as written and cannot hold {{ }}: put values in Parameters ($1, $2 …) instead',
          )
      },
      async run(payload, ctx: PluginContext, config) {
        refuseInTests(ctx, 'query a database', '{ "port": "result", "value": … }')
        const secret = readConnection(ctx, config.connection)
        const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
        const resolved = ctx.resolve(config.params ?? [])
        const values = Array.isArray(resolved) ? resolved : [resolved]
        let rows: unknown[]
        let rowCount: number
        if ((config.driver ?? 'postgres') === 'sqlite') {
          const held =
            (lease as Lease<Database.Database> | null) ??
            (await sqlitePools.lease(secret, timeoutMs, 'Opening the SQLite file', ctx.signal))
          lease = held
          try {
            const result = sqliteQuery(held.resource, config.query, values)
            rows = result.rows
            rowCount = result.rowCount ?? result.rows.length
          } catch (error) {
            const code = (error as { code?: unknown }).code
            throw failure(
              'sql-error',
              `SQLite: ${(error as Error).message}${typeof code === 'string' ? ` (${code})` : ''}`,
            )
          }
        } else {
          let held: Lease<pg.Pool>
          try {
            held =
              (lease as Lease<pg.Pool> | null) ??
              (await postgresPools.lease(secret, timeoutMs, 'Connecting to PostgreSQL', ctx.signal))
          } catch (error) {
            throw failure(
              (error as { code?: string }).code ?? 'connection-error',
              cleanMessage(error, secret),
            )
          }
          lease = held
          const result = await postgresQuery(
            held.resource,
            secret,
            config.query,
            values,
            timeoutMs,
            ctx.signal,
          )
          rows = result.rows
          rowCount = result.rowCount ?? result.rows.length
        }
        if (rows.length > MAX_ROWS)
          throw failure(
            'too-many-rows',
            `The query returned ${rows.length} rows; at most ${MAX_ROWS} can be sent on (add a LIMIT)`,
          )
        const json = jsonRow(rows) as Record<string, unknown>[]
        if (config.mode === 'one')
          return json.length > 0
            ? { port: 'result', value: json[0] }
            : { port: 'empty', value: payload ?? {} }
        return { port: 'result', value: { rows: json, rowCount } }
      },
      close() {
        lease?.release()
        lease = null
      },
    }
  },
})
