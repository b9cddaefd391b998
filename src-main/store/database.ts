/**
 * Opens the SQLite database: WAL, foreign keys, migrations. A file that is not SQLite or fails
 * its integrity check is moved aside (never overwritten or deleted) and a fresh database takes
 * its place, so a damaged file costs the user a restart, not their data: it can still be sent
 * in or salvaged with the sqlite3 shell.
 */
import Database from 'better-sqlite3'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import type { BackgroundCheck, CheckOutcome } from './integrity-check'
import { checkInBackground, checkProblems, STAGING_TABLES, SUSPECT_SUFFIX } from './integrity-check'
import { DatabaseTooNewError, migrate } from './migrate'
import { migrations } from './migrations'

export { DatabaseTooNewError }
export type { CheckOutcome }

export interface OpenOptions {
  /** better-sqlite3 built for another ABI (Electron's) lives outside node_modules. */
  nativeBinding?: string
  /** Files (with their WAL) up to this size get a full integrity_check at every open. */
  fullCheckMaxBytes?: number
  /** Whether bigger files get their full check in a worker thread after opening. */
  backgroundCheck?: boolean
}

export interface Recovered {
  movedTo: string
  reason: string
}

export interface OpenedDatabase {
  db: SqliteDatabase
  recovered: Recovered | null
  /** The whole-file check of a big database, still running; null when the open checked all. */
  backgroundCheck: Promise<CheckOutcome> | null
  close(): void
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1')
// integrity_check runs at about 2–3 ms per MB on a 2-core machine: 32 MB stays under 100 ms.
const DEFAULT_FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024

/** The file cannot be used as it is; opening moves it aside. */
class UnusableDatabaseError extends Error {}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function hasSqliteHeader(file: string): boolean {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(SQLITE_HEADER.length)
    const read = readSync(fd, buffer, 0, buffer.length, 0)
    return read === buffer.length && buffer.equals(SQLITE_HEADER)
  } finally {
    closeSync(fd)
  }
}

function timestamp(): string {
  // No colons: the name must be valid on Windows too.
  return new Date().toISOString().replace(/[:.]/g, '-')
}

/** Moves the file and its WAL/SHM companions aside as `<name>.corrupt-<time>`. */
function moveAside(file: string): string {
  let target = `${file}.corrupt-${timestamp()}`
  for (let i = 2; existsSync(target); i++) target = `${file}.corrupt-${timestamp()}-${i}`
  renameSync(file, target)
  // The WAL may hold the last committed transactions: it belongs with the file it extends.
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix)
  }
  return target
}

function isCorruption(error: unknown): boolean {
  if (error instanceof UnusableDatabaseError) return true
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
}

function configure(db: SqliteDatabase): void {
  db.pragma('journal_mode = WAL')
  // In WAL mode NORMAL syncs only at checkpoints. A commit is in the WAL (the OS's cache) when
  // it returns, so a killed or crashed process loses nothing and never corrupts the file; only
  // an OS crash or power cut may drop the last commits. Losing at most those is our promise,
  // and FULL would cost an fsync per autosave and per run.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  // The app and the CLI may use one data directory at the same time.
  db.pragma('busy_timeout = 5000')
  // A checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: hot pages (profiles, the end of
  // the events table) are rewritten by every run, and each checkpoint copies and syncs them
  // again. Measured: a fifth less CPU per state-store commit. Replaying 40 MB after a crash
  // takes well under a second.
  db.pragma('wal_autocheckpoint = 10000')
  // A checkpoint resets the WAL, but without a limit the file keeps its largest size for good.
  db.pragma('journal_size_limit = 67108864')
}

interface Attempt {
  db: SqliteDatabase
  background: boolean
}

function tryOpen(file: string, options: OpenOptions, suspect: boolean): Attempt {
  const size = sizeOf(file)
  if (size > 0 && !hasSqliteHeader(file)) {
    throw new UnusableDatabaseError('the file is not an SQLite database')
  }
  const db = new Database(file, { nativeBinding: options.nativeBinding })
  try {
    configure(db)
    let background = false
    if (size > 0) {
      const total = size + sizeOf(`${file}-wal`)
      const fullMax = options.fullCheckMaxBytes ?? DEFAULT_FULL_CHECK_MAX_BYTES
      if (total <= fullMax || suspect) {
        const problems = checkProblems(db, 'integrity_check')
        if (problems) throw new UnusableDatabaseError(`it fails integrity_check: ${problems}`)
      } else {
        const tables = new Set(
          db
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
            .pluck()
            .all() as string[],
        )
        for (const table of STAGING_TABLES.filter((t) => tables.has(t))) {
          const problems = checkProblems(db, 'quick_check', table)
          if (problems) throw new UnusableDatabaseError(`it fails quick_check: ${problems}`)
        }
        background = options.backgroundCheck ?? true
      }
    }
    migrate(db, migrations, file)
    return { db, background }
  } catch (error) {
    db.close()
    throw error
  }
}

function describe(error: unknown): string {
  if (error instanceof UnusableDatabaseError) return error.message
  return `SQLite reports: ${(error as Error).message}`
}

export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase {
  mkdirSync(path.dirname(file), { recursive: true })
  const suspectFile = file + SUSPECT_SUFFIX
  let recovered: Recovered | null = null
  let attempt: Attempt
  try {
    attempt = tryOpen(file, options, existsSync(suspectFile))
  } catch (error) {
    if (!isCorruption(error)) throw error
    const movedTo = moveAside(file)
    recovered = {
      movedTo,
      reason:
        `${path.basename(file)} could not be used (${describe(error)}); it was moved to ` +
        `${path.basename(movedTo)} and a new, empty database was started`,
    }
    attempt = tryOpen(file, options, false)
  }
  // Reaching here means the file passed a full check (or is new): an old suspicion is settled.
  if (!attempt.background && existsSync(suspectFile)) unlinkSync(suspectFile)

  let check: BackgroundCheck | null = null
  if (attempt.background) {
    check = checkInBackground(file, options.nativeBinding)
    check.done.then(
      (outcome) => {
        // The file is in use and cannot be moved now; the marker makes the next open check
        // everything and move it aside then.
        if (outcome.ok) return
        try {
          writeFileSync(suspectFile, `${new Date().toISOString()} ${outcome.detail}\n`)
        } catch {
          // The data directory is gone: there is nothing left to protect.
        }
      },
      () => {},
    )
  }
  const { db } = attempt
  return {
    db,
    recovered,
    backgroundCheck: check ? check.done : null,
    close() {
      check?.stop()
      if (db.open) db.close()
    },
  }
}
