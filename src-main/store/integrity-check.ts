/**
 * Integrity checks of the database file. A full check reads every page, which costs about
 * 2–3 ms per MB here: fine for the usual database, too slow for one holding 100,000 runs
 * (220 MB; over 300 ms) to check before the window can show. Big files therefore get a quick
 * check of the tables holding the user's own work (flows, revisions, tests, plugins) at open,
 * and the check of the whole file runs in a worker thread on its own read connection.
 */
import type { Database } from 'better-sqlite3'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

export type CheckName = 'integrity_check' | 'quick_check'

export interface CheckOutcome {
  /** `skipped` when the worker could not run (e.g. the process is shutting down). */
  check: CheckName | 'skipped'
  ok: boolean
  /** `ok`, or SQLite's first complaints. */
  detail: string
}

/** Written by a failed background check: the next open checks everything before use. */
export const SUSPECT_SUFFIX = '.check-failed'

/** The tables checked at open when the whole file is too big to check then. */
export const STAGING_TABLES = ['flows', 'flow_drafts', 'flow_revisions', 'test_cases', 'plugins']

/** Runs the pragma and returns null when SQLite answers `ok`, else what it found. */
export function checkProblems(db: Database, check: CheckName, table?: string): string | null {
  const rows = db.pragma(table ? `${check}(${table})` : check) as Record<string, unknown>[]
  const lines = rows.map((row) => String(Object.values(row)[0]))
  if (lines.length === 1 && lines[0] === 'ok') return null
  return lines.slice(0, 5).join('; ').slice(0, 500)
}

// CommonJS source for `eval: true`, so it runs the same under tsx, vitest and the bundled app,
// none of which would agree on how to load a TypeScript worker file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
let outcome
try {
  const Database = require(workerData.module)
  const options = { readonly: true, fileMustExist: true }
  if (workerData.nativeBinding) options.nativeBinding = workerData.nativeBinding
  const db = new Database(workerData.file, options)
  try {
    const lines = db.pragma('quick_check').map((row) => String(Object.values(row)[0]))
    const ok = lines.length === 1 && lines[0] === 'ok'
    outcome = { check: 'quick_check', ok, detail: ok ? 'ok' : lines.slice(0, 5).join('; ').slice(0, 500) }
  } finally {
    db.close()
  }
} catch (error) {
  const code = String((error && error.code) || '')
  const corrupt = code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB'
  outcome = corrupt
    ? { check: 'quick_check', ok: false, detail: String(error.message) }
    : { check: 'skipped', ok: true, detail: 'the check could not run: ' + String(error && error.message) }
}
parentPort.postMessage(outcome)
`

export interface BackgroundCheck {
  done: Promise<CheckOutcome>
  /** Stops waiting; a check in progress finishes on its own thread and is ignored. */
  stop(): void
}

export function checkInBackground(file: string, nativeBinding?: string): BackgroundCheck {
  let settle: (outcome: CheckOutcome) => void = () => {}
  const done = new Promise<CheckOutcome>((resolve) => (settle = resolve))
  let worker: Worker
  try {
    const module = createRequire(import.meta.url).resolve('better-sqlite3')
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file, nativeBinding } })
  } catch (error) {
    settle({ check: 'skipped', ok: true, detail: `no worker: ${(error as Error).message}` })
    return { done, stop() {} }
  }
  // The check must never keep a CLI command or a test process alive.
  worker.unref()
  worker.once('message', (outcome: CheckOutcome) => settle(outcome))
  worker.once('error', (error) => settle({ check: 'skipped', ok: true, detail: error.message }))
  worker.once('exit', () => settle({ check: 'skipped', ok: true, detail: 'the worker stopped' }))
  return {
    done,
    stop() {
      settle({ check: 'skipped', ok: true, detail: 'the store was closed first' })
      void worker.terminate()
    },
  }
}
