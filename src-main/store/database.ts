/**
 * Opens the SQLite database: WAL, foreign keys, migrations. A file that is not SQLite or fails
 * its integrity check is moved aside (never deleted) and a fresh database takes its place.
 */
import Database from 'better-sqlite3'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { DatabaseTooNewError, migrate } from './migrate'
import { migrations } from './migrations'

export { DatabaseTooNewError }

export interface OpenOptions {
  /** better-sqlite3 built for another ABI (Electron) lives outside node_modules. */
  nativeBinding?: string
  /** Databases up to this size get a full integrity check on every open; bigger ones after a crash. */
  fullCheckMaxBytes?: number
}

export interface OpenedDatabase {
  db: SqliteDatabase
  recovered: { movedTo: string; reason: string } | null
}

const SQLITE_HEADER = 'SQLite format 3\u0000'
const DEFAULT_FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024

class CorruptDatabaseError extends Error {}

function readHeader(file: string): string | null {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(16)
    const read = readSync(fd, buffer, 0, 16, 0)
    return read === 0 ? null : buffer.subarray(0, read).toString('latin1')
  } finally {
    closeSync(fd)
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-')
}

/** Moves the file and its WAL/SHM companions aside as `<name>.corrupt-<time>`. */
function moveAside(file: string): string {
  let target = `${file}.corrupt-${timestamp()}`
  for (let i = 2; existsSync(target); i++) target = `${file}.corrupt-${timestamp()}-${i}`
  renameSync(file, target)
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix)
  }
  return target
}

function isCorruption(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? ''
  return error instanceof CorruptDatabaseError || code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
}

function configure(db: SqliteDatabase): void {
  db.pragma('journal_mode = WAL')
  // In WAL mode, NORMAL never corrupts the database on a crash and keeps every committed
  // transaction across a process crash; only a power loss may drop the last commits. That is
  // the promise we make (a killed app loses nothing acknowledged), at a fraction of FULL's cost.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
}

function tryOpen(file: string, options: OpenOptions, crashed: boolean): SqliteDatabase {
  if (existsSync(file) && statSync(file).size > 0) {
    const header = readHeader(file)
    if (header !== null && header !== SQLITE_HEADER) throw new CorruptDatabaseError('the file is not an SQLite database')
  }
  const size = existsSync(file) ? statSync(file).size : 0
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  try {
    configure(db)
    const full = size <= (options.fullCheckMaxBytes ?? DEFAULT_FULL_CHECK_MAX_BYTES)
    if (size > 0 && (full || crashed)) {
      const rows = db.pragma(full ? 'integrity_check' : 'quick_check') as Record<string, string>[]
      const result = rows.map((row) => Object.values(row)[0]).join('; ')
      if (result !== 'ok') throw new CorruptDatabaseError(`it fails ${full ? 'integrity_check' : 'quick_check'}: ${result.slice(0, 300)}`)
    }
    migrate(db, migrations, file)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase & { markClosed(): void } {
  mkdirSync(path.dirname(file), { recursive: true })
  // A marker that exists while the database is open: found at start, the last run crashed.
  const marker = `${file}.open`
  const crashed = existsSync(marker)
  let recovered: OpenedDatabase['recovered'] = null
  let db: SqliteDatabase
  try {
    db = tryOpen(file, options, crashed)
  } catch (error) {
    if (error instanceof DatabaseTooNewError || !isCorruption(error)) throw error
    const reason = error instanceof CorruptDatabaseError ? error.message : `SQLite reports: ${(error as Error).message}`
    const movedTo = moveAside(file)
    recovered = { movedTo, reason: `${path.basename(file)} could not be used (${reason}); it was moved to ${path.basename(movedTo)} and a new database was started` }
    db = tryOpen(file, options, false)
  }
  writeFileSync(marker, String(process.pid))
  return {
    db,
    recovered,
    markClosed() {
      try {
        unlinkSync(marker)
      } catch {
        // Already gone: nothing to record.
      }
    },
  }
}
