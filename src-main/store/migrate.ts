/**
 * Schema migrations tracked by `PRAGMA user_version`: every pending one runs in a single
 * transaction, so a crash or a failing step leaves the database exactly as it was.
 */
import type { Database } from 'better-sqlite3'

export interface Migration {
  version: number
  name: string
  up(db: Database): void
}

export class DatabaseTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `${file} was written by a newer Flowbench (schema version ${found}; this version knows ` +
        `up to ${known}). Update Flowbench to open it; the file was left untouched.`,
    )
    this.name = 'DatabaseTooNewError'
  }
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function migrate(
  db: Database,
  migrations: readonly Migration[],
  file: string,
): { from: number; to: number } {
  const latest = latestVersion(migrations)
  const seen = userVersion(db)
  if (seen > latest) throw new DatabaseTooNewError(file, seen, latest)
  if (seen === latest) return { from: seen, to: seen }
  // IMMEDIATE and a second look inside: the app and the CLI may open the same new data
  // directory at once, and only one of them may run the migrations.
  return db
    .transaction(() => {
      const current = userVersion(db)
      if (current > latest) throw new DatabaseTooNewError(file, current, latest)
      for (const migration of migrations) if (migration.version > current) migration.up(db)
      db.pragma(`user_version = ${latest}`)
      return { from: current, to: latest }
    })
    .immediate()
}
