import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../../test/fixtures/flows'
import { runNode } from '../../test/fixtures/run-node'
import { closedPort, environmentWith, secretFromUrl, testServer } from '../../test/servers'
import { closeAllConnections } from '../shared/connections'

const plugins = PluginRegistry.withBuiltins()
const PG_URL = testServer('pg')

afterAll(() => closeAllConnections())

function engineWith(secret: Record<string, string>) {
  return new Engine({ plugins, environment: environmentWith({ warehouse: secret }) })
}

/** The node with its error port wired to a log node, as a flow that handles failures would be. */
async function runWithErrorEdge(engine: Engine, config: Record<string, unknown>) {
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['lookup', 'sql.query', config],
      ['failed', 'flow.log', { level: 'warn', message: 'lookup failed' }],
    ],
    ['start.payload -> lookup', 'lookup.error -> failed'],
  )
  const report = await engine.run(engine.load(flow), { event: { properties: {} } })
  const failedNode = report.nodes.find((n) => n.nodeId === 'failed')
  return {
    report,
    node: report.nodes.find((n) => n.nodeId === 'lookup')!,
    errorValue: failedNode?.input?.value as { message: string; code: string } | undefined,
  }
}

describe.skipIf(!PG_URL)('sql.query against PostgreSQL 15', () => {
  const secret = secretFromUrl(PG_URL ?? 'postgres://x@127.0.0.1:1/x')
  const engine = engineWith(secret)
  let admin: pg.Client

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    await admin.query('DROP TABLE IF EXISTS customers')
    await admin.query(
      'CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE, name text, tier text, spent numeric)',
    )
    await admin.query(
      "INSERT INTO customers (email, name, tier, spent) VALUES ('ann@example.com', 'Ann', 'gold', 1200.50), ('bob@example.com', 'Bob', 'silver', 80)",
    )
  })
  afterAll(async () => {
    await admin?.query('DROP TABLE IF EXISTS customers')
    await admin?.end()
  })

  it('looks up one row by a parameter taken from the event', async () => {
    const { node } = await runNode(
      engine,
      'sql.query',
      {
        connection: 'secret@warehouse',
        query: 'SELECT name, tier, spent FROM customers WHERE email = $1',
        params: ['event@properties.email'],
        mode: 'one',
      },
      { event: { properties: { email: 'ann@example.com' } } },
    )
    expect(node.status).toBe('ok')
    // numeric arrives as text: a JavaScript number would round it.
    expect(node.outputs).toEqual([
      { port: 'result', value: { name: 'Ann', tier: 'gold', spent: '1200.50' } },
    ])
  })

  it('sends every row and the count, and "empty" when single-row mode finds none', async () => {
    const all = await runNode(engine, 'sql.query', {
      connection: 'secret@warehouse',
      query: 'SELECT email FROM customers ORDER BY id',
    })
    expect(all.node.outputs[0]).toEqual({
      port: 'result',
      value: { rows: [{ email: 'ann@example.com' }, { email: 'bob@example.com' }], rowCount: 2 },
    })
    const none = await runNode(engine, 'sql.query', {
      connection: 'secret@warehouse',
      query: 'SELECT * FROM customers WHERE email = $1',
      params: ['nobody@example.com'],
      mode: 'one',
    })
    expect(none.node.outputs.map((o) => o.port)).toEqual(['empty'])
  })

  it('an injection attempt through a value stays a value', async () => {
    for (const attack of ["x' OR '1'='1", "'; DROP TABLE customers; --", "ann@example.com' --"]) {
      const { node } = await runNode(
        engine,
        'sql.query',
        {
          connection: 'secret@warehouse',
          query: 'SELECT name FROM customers WHERE email = $1',
          params: ['event@properties.email'],
        },
        { event: { properties: { email: attack } } },
      )
      expect(node.status).toBe('ok')
      expect(node.outputs[0]!.value).toEqual({ rows: [], rowCount: 0 })
    }
    const count = await admin.query('SELECT count(*)::int AS n FROM customers')
    expect(count.rows[0].n).toBe(2)
    // A template in the query itself is refused before anything is sent.
    const templated = await runNode(engine, 'sql.query', {
      connection: 'secret@warehouse',
      query: "SELECT * FROM customers WHERE email = '{{ event.properties.email }}'",
    })
    expect(templated.node.status).toBe('error')
    expect(templated.node.error!.message).toMatch(/Parameters/)
  })

  it('writes in a transaction per node and reports the rows changed', async () => {
    const { node } = await runNode(engine, 'sql.query', {
      connection: 'secret@warehouse',
      query: 'UPDATE customers SET tier = $1 WHERE spent > $2',
      params: ['platinum', 1000],
    })
    expect(node.outputs[0]!.value).toEqual({ rows: [], rowCount: 1 })
    // A statement that fails leaves nothing behind.
    const failing = await runNode(engine, 'sql.query', {
      connection: 'secret@warehouse',
      query: 'INSERT INTO customers (email, name) VALUES ($1, $2), ($1, $3)',
      params: ['cy@example.com', 'Cy', 'Cy again'],
    })
    expect(failing.node.status).toBe('error')
    expect(failing.node.error!.message).toMatch(
      /duplicate key value violates unique constraint.*\(23505\)/,
    )
    const cy = await admin.query(
      "SELECT count(*)::int AS n FROM customers WHERE email = 'cy@example.com'",
    )
    expect(cy.rows[0].n).toBe(0)
  })

  it('reuses pooled connections across runs', async () => {
    const pids = new Set<unknown>()
    for (let i = 0; i < 3; i++) {
      const { node } = await runNode(engine, 'sql.query', {
        connection: 'secret@warehouse',
        query: 'SELECT pg_backend_pid() AS pid',
        mode: 'one',
      })
      pids.add((node.outputs[0]!.value as { pid: number }).pid)
    }
    expect(pids.size).toBe(1)
  })

  it('a URL secret works as well as separate fields', async () => {
    const { node } = await runNode(engineWith({ url: PG_URL! }), 'sql.query', {
      connection: 'secret@warehouse',
      query: 'SELECT 41 + 1 AS answer',
      mode: 'one',
    })
    expect(node.outputs[0]!.value).toEqual({ answer: 42 })
  })

  it("bad credentials: the server's message on the error port, never the password", async () => {
    const wrong = 'not-the-Passw0rd'
    const { report, node, errorValue } = await runWithErrorEdge(
      engineWith({ ...secret, password: wrong }),
      { connection: 'secret@warehouse', query: 'SELECT 1' },
    )
    expect(node.status).toBe('error')
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/password authentication failed for user/)
    expect(report.status).toBe('succeeded')
    expect(JSON.stringify(report)).not.toContain(wrong)
  })

  it('a statement past the time limit is cancelled by the server', async () => {
    const started = Date.now()
    const { errorValue } = await runWithErrorEdge(engine, {
      connection: 'secret@warehouse',
      query: 'SELECT pg_sleep(10)',
      timeoutMs: 300,
    })
    expect(errorValue!.code).toBe('timeout')
    expect(errorValue!.message).toMatch(/statement timeout/)
    expect(Date.now() - started).toBeLessThan(5000)
  })
})

describe('sql.query when the server is down or silent', () => {
  it('a refused connection is a clear error on the error port', async () => {
    const port = await closedPort()
    const { node, errorValue } = await runWithErrorEdge(
      engineWith({
        host: '127.0.0.1',
        port: String(port),
        user: 'u',
        password: 'secret-pw',
        database: 'd',
      }),
      { connection: 'secret@warehouse', query: 'SELECT 1', timeoutMs: 2000 },
    )
    expect(node.status).toBe('error')
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/PostgreSQL: .*ECONNREFUSED/)
  })

  it('a server that accepts but never answers fails within the time limit', async () => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as net.AddressInfo).port
    try {
      const started = Date.now()
      const { errorValue } = await runWithErrorEdge(
        engineWith({
          host: '127.0.0.1',
          port: String(port),
          user: 'u',
          password: 'pw',
          database: 'd',
        }),
        { connection: 'secret@warehouse', query: 'SELECT 1', timeoutMs: 400 },
      )
      expect(errorValue!.code).toBe('timeout')
      expect(errorValue!.message).toMatch(/timed out after 400 ms/)
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((r) => silent.close(r))
    }
  })

  it('a missing connection secret is named', async () => {
    const { node } = await runNode(
      new Engine({ plugins, environment: environmentWith({}) }),
      'sql.query',
      { connection: 'secret@warehouse', query: 'SELECT 1' },
    )
    expect(node.error!.message).toMatch(/secret warehouse is not set/)
  })
})

describe('sql.query in test cases', () => {
  it('a mocked node never touches a database, and an unmocked one says it would', async () => {
    const engine = engineWith({ host: '127.0.0.1', port: '1', user: 'u', password: 'p' })
    const mocked = await runNode(
      engine,
      'sql.query',
      { connection: 'secret@warehouse', query: 'SELECT 1', mode: 'one' },
      { testing: true, mocks: { subject: { port: 'result', value: { name: 'Ann' } } } },
    )
    expect(mocked.node.outputs).toEqual([{ port: 'result', value: { name: 'Ann' } }])
    const unmocked = await runNode(
      engine,
      'sql.query',
      { connection: 'secret@warehouse', query: 'SELECT 1' },
      { testing: true },
    )
    expect(unmocked.node.error!.code).toBe('no-mock')
  })
})

describe('sql.query on a SQLite file', () => {
  let dir: string
  let file: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-sqlite-'))
    file = path.join(dir, 'shop.db')
    const db = new Database(file)
    db.exec(
      "CREATE TABLE customers (email TEXT PRIMARY KEY, name TEXT); INSERT INTO customers VALUES ('ann@example.com', 'Ann')",
    )
    db.close()
  })
  afterAll(async () => {
    await closeAllConnections()
    rmSync(dir, { recursive: true, force: true })
  })

  it('queries with ? parameters, injection attempts stay values, writes commit', async () => {
    const engine = engineWith({ file })
    const found = await runNode(
      engine,
      'sql.query',
      {
        driver: 'sqlite',
        connection: 'secret@warehouse',
        query: 'SELECT name FROM customers WHERE email = ?',
        params: ['event@properties.email'],
        mode: 'one',
      },
      { event: { properties: { email: 'ann@example.com' } } },
    )
    expect(found.node.outputs).toEqual([{ port: 'result', value: { name: 'Ann' } }])
    const attack = await runNode(engine, 'sql.query', {
      driver: 'sqlite',
      connection: 'secret@warehouse',
      query: 'SELECT name FROM customers WHERE email = ?',
      params: ["' OR 1=1; DROP TABLE customers; --"],
    })
    expect(attack.node.outputs[0]!.value).toEqual({ rows: [], rowCount: 0 })
    const insert = await runNode(engine, 'sql.query', {
      driver: 'sqlite',
      connection: 'secret@warehouse',
      query: 'INSERT INTO customers VALUES (?, ?)',
      params: ['bob@example.com', 'Bob'],
    })
    expect(insert.node.outputs[0]!.value).toEqual({ rows: [], rowCount: 1 })
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 2 })
    db.close()
  })

  it('a missing file is a clear error', async () => {
    const { node } = await runNode(engineWith({ file: path.join(dir, 'nope.db') }), 'sql.query', {
      driver: 'sqlite',
      connection: 'secret@warehouse',
      query: 'SELECT 1',
    })
    expect(node.error!.message).toMatch(/SQLite: .*(does not exist|unable to open)/i)
  })
})
