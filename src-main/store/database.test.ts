import Database from 'better-sqlite3'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DatabaseTooNewError, openDatabase } from './database'
import { SUSPECT_SUFFIX } from './integrity-check'
import { migrate } from './migrate'
import type { Migration } from './migrate'
import { migrations } from './migrations'
import { DATABASE_FILE, Store } from './store'
import { damageTable, runReport, smallFlow, tempDir } from './test-support'

const CORRUPT_NAME = /^flowbench\.db\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/

function tables(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[]
}

function movedAside(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith(`${DATABASE_FILE}.corrupt-`))
}

describe('opening and migrations', () => {
  it('brings a fresh database to the latest version: WAL, foreign keys, STRICT tables', () => {
    // Pragmas are per connection: ask the connection the store would get.
    const opened = openDatabase(path.join(tempDir(), DATABASE_FILE))
    const { db } = opened
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    // 1 = NORMAL: durable against process crashes, see configure() in database.ts.
    expect(db.pragma('synchronous', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(tables(db)).toEqual([
      'environments',
      'events',
      'flow_drafts',
      'flow_revisions',
      'flows',
      'journal',
      'plugins',
      'profiles',
      'runs',
      'secrets',
      'sessions',
      'settings',
      'test_cases',
    ])
    const ddl = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").all() as {
      name: string
      sql: string
    }[]
    for (const table of ddl) expect(table.sql, table.name).toMatch(/\)\s*STRICT$/)
    expect(opened.recovered).toBeNull()
    expect(opened.backgroundCheck).toBeNull()
    opened.close()
  })

  it('versions migrations 1, 2, … with one file each', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1))
    const files = readdirSync(fileURLToPath(new URL('./migrations', import.meta.url))).filter((f) =>
      /^\d{3}-.+\.ts$/.test(f),
    )
    expect(files).toHaveLength(migrations.length)
    for (const m of migrations) {
      expect(files).toContain(`${String(m.version).padStart(3, '0')}-${m.name}.ts`)
    }
  })

  it('runs every migration against a fresh database, and upgrades from each version', () => {
    for (let upTo = 1; upTo <= migrations.length; upTo++) {
      const db = new Database(':memory:')
      expect(migrate(db, migrations.slice(0, upTo), 'test.db')).toEqual({ from: 0, to: upTo })
      expect(db.pragma('user_version', { simple: true })).toBe(upTo)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      // An older database picks up the remaining migrations, and the result is the same schema.
      expect(migrate(db, migrations, 'test.db')).toEqual({ from: upTo, to: migrations.length })
      const fresh = new Database(':memory:')
      migrate(fresh, migrations, 'fresh.db')
      const schema = (d: Database.Database) =>
        d.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all()
      expect(schema(db)).toEqual(schema(fresh))
      db.close()
      fresh.close()
    }
  })

  it('runs all pending migrations in one transaction: a failing one leaves nothing behind', () => {
    const db = new Database(':memory:')
    const broken: Migration = {
      version: migrations.length + 1,
      name: 'broken',
      up() {
        throw new Error('boom')
      },
    }
    expect(() => migrate(db, [...migrations, broken], 'test.db')).toThrow('boom')
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    expect(tables(db)).toEqual([])
    db.close()
  })

  it('refuses a database written by a newer Flowbench and leaves it where it is', () => {
    const dir = tempDir()
    Store.open(dir).close()
    const file = path.join(dir, DATABASE_FILE)
    const raw = new Database(file)
    raw.pragma('user_version = 999')
    raw.close()
    const before = readFileSync(file)
    let error: unknown
    try {
      Store.open(dir)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError)
    const message = (error as Error).message
    expect(message).toContain(file)
    expect(message).toContain('999')
    expect(message).toContain(`up to ${migrations.length}`)
    expect(message).toMatch(/newer Flowbench/)
    expect(movedAside(dir)).toEqual([])
    expect(readFileSync(file).equals(before)).toBe(true)
  })
})

describe('damaged database files', () => {
  it('moves a file that is not SQLite aside with its bytes intact, and starts fresh', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const garbage = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 251))
    writeFileSync(file, garbage)
    writeFileSync(`${file}-wal`, 'leftover wal')
    const store = Store.open(dir)
    expect(store.recovered?.reason).toMatch(/not an SQLite database/)
    const [moved] = movedAside(dir).filter((f) => !f.endsWith('-wal'))
    expect(moved).toMatch(CORRUPT_NAME)
    expect(store.recovered?.movedTo).toBe(path.join(dir, moved!))
    expect(readFileSync(path.join(dir, moved!)).equals(garbage)).toBe(true)
    // The WAL went along with its database instead of being replayed into the new one.
    expect(readFileSync(path.join(dir, `${moved}-wal`), 'utf8')).toBe('leftover wal')
    store.createFlow(smallFlow())
    expect(store.listFlows().map((f) => f.id)).toEqual(['f1'])
    store.close()
    const again = Store.open(dir)
    expect(again.recovered).toBeNull()
    again.close()
  })

  it('moves a database that fails integrity_check aside and starts fresh', () => {
    const dir = tempDir()
    const store = Store.open(dir)
    for (let i = 0; i < 200; i++)
      store.createFlow({ ...smallFlow(`flow-${i}`), description: 'x'.repeat(100) })
    store.close()
    const file = path.join(dir, DATABASE_FILE)
    const damaged = damageTable(file, 'flows')
    const reopened = Store.open(dir)
    expect(reopened.recovered?.reason).toMatch(/fails integrity_check/)
    expect(reopened.recovered?.reason).toMatch(/moved to flowbench\.db\.corrupt-/)
    expect(reopened.listFlows()).toEqual([])
    const [moved] = movedAside(dir)
    expect(moved).toMatch(CORRUPT_NAME)
    expect(readFileSync(path.join(dir, moved!)).equals(damaged)).toBe(true)
    reopened.close()
  })

  it('moves aside a database whose schema cannot even be read', () => {
    const dir = tempDir()
    Store.open(dir).close()
    const file = path.join(dir, DATABASE_FILE)
    const bytes = readFileSync(file)
    // Page 1 after the 100-byte file header holds sqlite_schema.
    bytes.fill(0xee, 100, 4096)
    writeFileSync(file, bytes)
    const store = Store.open(dir)
    expect(store.recovered?.reason).toMatch(/could not be used/)
    expect(readFileSync(path.join(dir, movedAside(dir)[0]!)).equals(bytes)).toBe(true)
    store.close()
  })

  it('checks a big database in the background and moves it aside at the next open if damaged', async () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const store = Store.open(dir, { retention: 10_000 })
    store.createFlow(smallFlow())
    store.inTransaction(() => {
      for (let i = 0; i < 300; i++) store.recordRun(runReport('f1', i))
    })
    store.close()

    // "Big" means over fullCheckMaxBytes: a sound file passes the background check.
    const sound = Store.open(dir, { fullCheckMaxBytes: 0 })
    expect(sound.backgroundCheck).not.toBeNull()
    expect(await sound.backgroundCheck).toEqual({ check: 'quick_check', ok: true, detail: 'ok' })
    sound.close()

    const damaged = damageTable(file, 'runs')
    // Runs are not checked before the window shows: the open succeeds and the flows are there.
    const opened = Store.open(dir, { fullCheckMaxBytes: 0 })
    expect(opened.recovered).toBeNull()
    expect(opened.listFlows()).toHaveLength(1)
    const outcome = await opened.backgroundCheck
    expect(outcome).toMatchObject({ check: 'quick_check', ok: false })
    expect(existsSync(file + SUSPECT_SUFFIX)).toBe(true)
    opened.close()

    const next = Store.open(dir, { fullCheckMaxBytes: 0 })
    expect(next.recovered?.reason).toMatch(/fails integrity_check/)
    expect(readFileSync(path.join(dir, movedAside(dir)[0]!)).equals(damaged)).toBe(true)
    expect(existsSync(file + SUSPECT_SUFFIX)).toBe(false)
    expect(next.backgroundCheck).toBeNull()
    next.close()
  })

  it('still checks the tables holding the user’s flows before opening a big database', () => {
    const dir = tempDir()
    const store = Store.open(dir)
    for (let i = 0; i < 200; i++)
      store.createFlow({ ...smallFlow(`flow-${i}`), description: 'x'.repeat(100) })
    store.close()
    damageTable(path.join(dir, DATABASE_FILE), 'flow_drafts')
    const opened = Store.open(dir, { fullCheckMaxBytes: 0 })
    expect(opened.recovered?.reason).toMatch(/fails quick_check/)
    opened.close()
  })

  it('opens with a native binding given by path (how Electron’s build is kept apart)', () => {
    const binding = path.join(
      path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
      'build/Release/better_sqlite3.node',
    )
    const opened = openDatabase(path.join(tempDir(), DATABASE_FILE), { nativeBinding: binding })
    expect(opened.db.pragma('user_version', { simple: true })).toBe(migrations.length)
    opened.close()
  })
})
