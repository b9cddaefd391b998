/**
 * The one connection the repositories share, with its prepared statements cached by their text
 * (better-sqlite3's advice: prepare once, run many). Only the repositories in this folder get
 * one; the Store facade keeps the database itself private.
 */
import type { Database, Statement } from 'better-sqlite3'

export class Statements {
  private readonly cache = new Map<string, Statement>()

  constructor(private readonly db: Database) {}

  sql(text: string): Statement {
    let statement = this.cache.get(text)
    if (!statement) {
      statement = this.db.prepare(text)
      this.cache.set(text, statement)
    }
    return statement
  }

  /** Runs `work` as one transaction (nested calls become savepoints). `work` must be synchronous. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)()
  }
}
