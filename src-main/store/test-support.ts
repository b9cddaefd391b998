/** Helpers shared by the store's tests (not used by the app). */
import Database from 'better-sqlite3'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, onTestFinished } from 'vitest'
import { ApiFailure } from '../../src-shared/api/result'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'

/**
 * Rows a store holds in `table` (optionally for one flow), read through a second, read-only
 * connection: the store keeps its own private, and tests that check what is left on disk (a
 * trashed flow's drafts, sessions a commit did not touch) need no way into it.
 */
export function countRows(file: string, table: string, flowId?: string): number {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`)
  const db = new Database(file, { readonly: true })
  try {
    const where = flowId === undefined ? '' : ' WHERE flow_id = ?'
    const statement = db.prepare(`SELECT count(*) FROM ${table}${where}`).pluck()
    return (flowId === undefined ? statement.get() : statement.get(flowId)) as number
  } finally {
    db.close()
  }
}

/** SQLite's integrity_check of a store's file, from a second connection ('ok' when sound). */
export function integrityCheck(file: string): unknown {
  const db = new Database(file, { readonly: true })
  try {
    return db.pragma('integrity_check', { simple: true })
  } finally {
    db.close()
  }
}

/** A fresh directory, removed when the calling test ends (call it inside a test). */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-store-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function smallFlow(id = 'f1', name = 'Test flow'): Flow {
  return {
    schemaVersion: 1,
    id,
    name,
    nodes: [
      { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
      { id: 'log', plugin: 'flow.log', position: { x: 200, y: 0 }, config: { message: 'hi' } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourcePort: 'payload', target: 'log', targetPort: 'payload' },
    ],
  }
}

/** Runs `fn`, expects an ApiFailure with `code`, and returns it for further checks. */
export function expectFailure(fn: () => unknown, code: string): ApiFailure {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught, `expected an ApiFailure "${code}"`).toBeInstanceOf(ApiFailure)
  expect((caught as ApiFailure).code).toBe(code)
  return caught as ApiFailure
}

export function runReport(
  flowId: string,
  i: number,
  startedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
): ExecutionReport {
  return {
    runId: `${flowId}-${i}`,
    flowId,
    flowVersion: 1,
    status: 'succeeded',
    success: true,
    startedAt,
    finishedAt: startedAt,
    durationMs: 1.5,
    trigger: { type: 'manual', nodeId: 'start', plugin: 'trigger.manual' },
    trace: 'summary',
    state: { event: { id: `e-${i}` }, profile: { id: 'p' }, session: {}, flow: {} },
    changes: { profile: [], session: [], event: [] },
    nodes: [],
    edges: {},
    errors: [],
  }
}

/**
 * Overwrites 512 bytes in the middle of a leaf page of `table` (cell headers and payloads,
 * not the file header) and returns the damaged file's bytes. Throws unless SQLite's
 * integrity_check then really fails, so a test cannot pass by damaging nothing that matters.
 */
export function damageTable(file: string, table: string): Buffer {
  const probe = new Database(file, { readonly: true })
  const pageSize = probe.pragma('page_size', { simple: true }) as number
  const pages = probe
    .prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno")
    .pluck()
    .all(table) as number[]
  probe.close()
  if (pages.length === 0) throw new Error(`table ${table} has no leaf pages to damage`)
  const page = pages[Math.floor(pages.length / 2)]!
  const bytes = readFileSync(file)
  const start = (page - 1) * pageSize + pageSize / 2 - 256
  bytes.fill(0xff, start, start + 512)
  writeFileSync(file, bytes)
  const check = new Database(file, { readonly: true })
  const result = check.pragma('integrity_check', { simple: true })
  check.close()
  if (result === 'ok') throw new Error(`damaging ${table} did not make integrity_check fail`)
  return bytes
}
