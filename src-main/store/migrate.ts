/** Migrations tracked by `PRAGMA user_version`, all pending ones in one transaction (Signal's approach). */
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
    super(`${file} was written by a newer Flowbench (schema version ${found}; this version knows up to ${known}). Update Flowbench to open it.`)
    this.name = 'DatabaseTooNewError'
  }
}

export function migrate(db: Database, migrations: readonly Migration[], file: string): { from: number; to: number } {
  const latest = migrations.length > 0 ? migrations[migrations.length - 1]!.version : 0
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > latest) throw new DatabaseTooNewError(file, current, latest)
  const pending = migrations.filter((m) => m.version > current)
  if (pending.length === 0) return { from: current, to: current }
  db.transaction(() => {
    for (const migration of pending) migration.up(db)
    db.pragma(`user_version = ${latest}`)
  })()
  return { from: current, to: latest }
}
