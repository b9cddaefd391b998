import Database from 'better-sqlite3'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, Problem } from '../../src-shared/flow/types'
import { buildFlow, sampleEvent, sampleFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from '../engine/runner'
import { DatabaseTooNewError } from './database'
import { migrations } from './migrations'
import { DATABASE_FILE, Store } from './store'

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'fb-store-'))
const flow = (id = 'f1'): Flow => buildFlow([['start', 'trigger.manual'], ['log', 'flow.log', { message: 'hi' }]], ['start.payload -> log'], id)
const noProblems = (): Problem[] => []
const oneError = (): Problem[] => [{ code: 'cycle', severity: 'error', message: 'loop', nodeId: 'a' }]

function expectFailure(fn: () => unknown, code: string): Error {
  try {
    fn()
  } catch (error) {
    expect((error as { code?: string }).code).toBe(code)
    return error as Error
  }
  throw new Error(`expected a failure with code ${code}`)
}

describe('migrations', () => {
  it('bring a fresh database to the latest version with every table STRICT', () => {
    const dir = tempDir()
    const store = Store.open(dir)
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1)
    const tables = store.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as { name: string; sql: string }[]
    expect(tables.map((t) => t.name).sort()).toEqual(['events', 'flow_drafts', 'flow_revisions', 'flows', 'plugins', 'profiles', 'runs', 'sessions', 'test_cases'])
    for (const table of tables) expect(table.sql, table.name).toMatch(/STRICT$/)
    store.close()
  })

  it('each migration runs on a fresh database on its own', () => {
    for (const migration of migrations) {
      const db = new Database(':memory:')
      expect(() => migration.up(db)).not.toThrow()
      db.close()
    }
  })

  it('refuses a database written by a newer Flowbench, leaving it in place', () => {
    const dir = tempDir()
    Store.open(dir).close()
    const db = new Database(path.join(dir, DATABASE_FILE))
    db.pragma('user_version = 999')
    db.close()
    expect(() => Store.open(dir)).toThrow(DatabaseTooNewError)
    expect(() => Store.open(dir)).toThrow(/newer Flowbench.*999/)
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([])
  })
})

describe('damaged database files', () => {
  it('moves a file that is not SQLite aside, keeps its bytes, and starts fresh', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    writeFileSync(file, 'this is not a database, just text\n'.repeat(100))
    const store = Store.open(dir)
    expect(store.recovered?.reason).toMatch(/not an SQLite database/)
    const moved = readdirSync(dir).find((f) => f.startsWith(`${DATABASE_FILE}.corrupt-`))!
    expect(readFileSync(path.join(dir, moved), 'utf8')).toContain('this is not a database')
    store.createFlow(flow())
    expect(store.listFlows()).toHaveLength(1)
    store.close()
  })

  it('moves a database that fails its integrity check aside', () => {
    const dir = tempDir()
    const store = Store.open(dir)
    for (let i = 0; i < 400; i++) store.createFlow({ ...flow(`flow-${i}`), description: 'x'.repeat(200) })
    store.close()
    const file = path.join(dir, DATABASE_FILE)
    const bytes = readFileSync(file)
    // Scribble over the middle of the file: page contents, not the header.
    for (let i = 8192; i < bytes.length - 4096; i += 997) bytes[i] = (bytes[i]! + 113) & 0xff
    writeFileSync(file, bytes)
    const reopened = Store.open(dir)
    expect(reopened.recovered?.reason).toMatch(/could not be used/)
    expect(reopened.listFlows()).toEqual([])
    const moved = readdirSync(dir).find((f) => f.startsWith(`${DATABASE_FILE}.corrupt-`))!
    expect(readFileSync(path.join(dir, moved)).equals(bytes)).toBe(true)
    reopened.close()
  })
})

describe('flows and staging', () => {
  it('creates a flow with draft version 1 and no production', () => {
    const store = Store.open(tempDir())
    store.createFlow(flow())
    const record = store.getFlow('f1')
    expect(record.draft.version).toBe(1)
    expect(record.production).toBeNull()
    expectFailure(() => store.createFlow(flow()), 'flow-exists')
    store.close()
  })

  it('saves drafts over the right base and refuses a stale one without touching the draft', () => {
    const store = Store.open(tempDir())
    store.createFlow(flow())
    const saved = store.saveDraft('f1', 1, { ...flow(), name: 'Renamed' })
    expect(saved.version).toBe(2)
    expect(store.listFlows()[0]!.name).toBe('Renamed')
    const error = expectFailure(() => store.saveDraft('f1', 1, { ...flow(), name: 'Stale' }), 'stale-draft')
    expect(error.message).toMatch(/now version 2/)
    expect(store.getFlow('f1').draft.flow.name).toBe('Renamed')
    store.close()
  })

  it('refuses drafts over 10 MB, invalid JSON and another flow id, keeping the stored draft', () => {
    const store = Store.open(tempDir())
    store.createFlow(flow())
    const big = { ...flow(), description: 'x'.repeat(10 * 1024 * 1024 + 1) }
    expect(expectFailure(() => store.saveDraft('f1', 1, big), 'draft-too-large').message).toMatch(/10 MB/)
    expect(expectFailure(() => store.saveDraft('f1', 1, '{"id": "f1", nodes: []}'), 'invalid-json').message).toMatch(/line 1, column 14/)
    expectFailure(() => store.saveDraft('f1', 1, { ...flow(), id: 'other' }), 'id-mismatch')
    expect(store.getFlow('f1').draft).toMatchObject({ version: 1, flow: flow() })
    store.close()
  })

  it('keeps drafts with validation problems: they are work in progress', () => {
    const store = Store.open(tempDir())
    store.createFlow(flow())
    expect(store.saveDraft('f1', 1, { ...flow(), nodes: [] }).version).toBe(2)
    store.close()
  })

  it('deploys only a valid draft, keeps every earlier production, and reverts to any of them', () => {
    const store = Store.open(tempDir())
    store.createFlow(flow())
    const refused = expectFailure(() => store.deploy('f1', { validate: oneError }), 'invalid-flow') as Error & { details: Problem[] }
    expect(refused.details).toHaveLength(1)
    expect(store.getFlow('f1').production).toBeNull()
    expect(store.deploy('f1', { note: 'first', validate: noProblems }).revision).toBe(1)
    store.saveDraft('f1', 1, { ...flow(), name: 'Second' })
    expect(store.deploy('f1', { validate: noProblems }).revision).toBe(2)
    expect(store.history('f1').map((r) => [r.revision, r.isProduction, r.note])).toEqual([
      [2, true, null],
      [1, false, 'first'],
    ])
    expect(store.getFlow('f1').production!.flow.name).toBe('Second')
    store.revert('f1', 1)
    const after = store.getFlow('f1')
    expect(after.draft.flow.name).toBe('Test flow')
    expect(after.production!.revision).toBe(2)
    expectFailure(() => store.revert('f1', 9), 'not-found')
    store.close()
  })

  it('duplicates, trashes, restores and empties the trash', () => {
    const store = Store.open(tempDir())
    store.createFlow(flow())
    expect(store.duplicate('f1').id).toBe('f1-copy')
    expect(store.duplicate('f1').id).toBe('f1-copy-2')
    store.delete('f1')
    expect(store.listFlows().map((f) => f.id)).toEqual(['f1-copy', 'f1-copy-2'])
    expect(store.listFlows({ includeDeleted: true })).toHaveLength(3)
    store.restore('f1')
    store.delete('f1-copy')
    expect(store.emptyTrash()).toBe(1)
    expect(store.listFlows().map((f) => f.id).sort()).toEqual(['f1', 'f1-copy-2'])
    store.close()
  })

  it('keeps a flow’s test cases with it', () => {
    const store = Store.open(tempDir())
    store.createFlow(sampleFlow('vip-tagging'))
    expect(store.listTestCases('vip-tagging').map((t) => t.name)).toEqual(sampleFlow('vip-tagging').tests!.map((t) => t.name))
    store.close()
  })
})

describe('runs', () => {
  const report = (flowId: string, i: number): ExecutionReport =>
    ({ runId: `${flowId}-${i}`, flowId, flowVersion: 1, status: 'succeeded', success: true, startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), durationMs: 1 }) as ExecutionReport

  it('lists newest first with pagination and returns whole reports', () => {
    const store = Store.open(tempDir())
    for (let i = 0; i < 30; i++) store.recordRun(report('a', i))
    const page = store.listRuns({ flowId: 'a', limit: 10, offset: 10 })
    expect(page.total).toBe(30)
    expect(page.runs.map((r) => r.runId)).toEqual(Array.from({ length: 10 }, (_, i) => `a-${19 - i}`))
    expect(store.getRun('a-3')).toMatchObject({ runId: 'a-3', flowId: 'a' })
    expect(store.getRun('nope')).toBeNull()
    store.close()
  })

  it('keeps only the last N runs per flow', () => {
    const store = Store.open(tempDir(), { retention: 5 })
    for (let i = 0; i < 12; i++) store.recordRun(report('a', i))
    for (let i = 0; i < 3; i++) store.recordRun(report('b', i))
    store.pruneNow()
    expect(store.listRuns({ flowId: 'a' }).runs.map((r) => r.runId)).toEqual(['a-11', 'a-10', 'a-9', 'a-8', 'a-7'])
    expect(store.listRuns({ flowId: 'b' }).total).toBe(3)
    store.close()
  })
})

describe('SQLite state store', () => {
  it('carries a profile from run to run, and saves nothing after a failed run', async () => {
    const dir = tempDir()
    const store = Store.open(dir)
    const engine = new Engine({ plugins: testRegistry(), store: store.state })
    const loaded = engine.load(sampleFlow('vip-tagging'))
    const event = { ...sampleEvent('vip-tagging'), profileId: 'ann', sessionId: 's-1' }
    await engine.run(loaded, { event })
    const second = await engine.run(loaded, { event })
    expect((second.state.profile as { traits: { purchases: number } }).traits.purchases).toBe(2)
    expect(store.state.loadSession('s-1')).toMatchObject({ id: 's-1', profileId: 'ann' })

    const failing = engine.load(buildFlow([['start', 'trigger.manual'], ['count', 'data.increment', { path: 'profile@traits.purchases' }], ['boom', 'flow.throw', { message: 'x' }]], ['start.payload -> count', 'count.payload -> boom']))
    const failed = await engine.run(failing, { event: { profileId: 'ann' } })
    expect(failed.status).toBe('failed')
    store.close()
    const reopened = Store.open(dir)
    expect(reopened.state.loadProfile('ann')!.traits.purchases).toBe(2)
    expect(existsSync(path.join(dir, DATABASE_FILE))).toBe(true)
    reopened.close()
  })
})
