/**
 * Environments, their variables, and secrets as sealed blobs. This repository never sees a
 * secret's value: sealing and opening happen in src-main/secrets, above the store.
 */
import type { Database } from 'better-sqlite3'

export interface SecretRow {
  name: string
  /** '' for a secret every environment shares. */
  environment: string
  fields: string[]
  ciphertext: Buffer
  updatedAt: string
}

export interface EnvironmentRow {
  name: string
  vars: Record<string, unknown>
  updatedAt: string
}

interface RawSecret {
  name: string
  environment: string
  fields: string
  ciphertext: Buffer
  updated_at: string
}

export class EnvironmentsRepository {
  constructor(private readonly db: Database) {}

  listEnvironments(): EnvironmentRow[] {
    const rows = this.db
      .prepare('SELECT name, vars, updated_at FROM environments ORDER BY name')
      .all() as { name: string; vars: string; updated_at: string }[]
    return rows.map((r) => ({
      name: r.name,
      vars: JSON.parse(r.vars) as Record<string, unknown>,
      updatedAt: r.updated_at,
    }))
  }

  getEnvironment(name: string): EnvironmentRow | null {
    const row = this.db
      .prepare('SELECT name, vars, updated_at FROM environments WHERE name = ?')
      .get(name) as { name: string; vars: string; updated_at: string } | undefined
    return row
      ? {
          name: row.name,
          vars: JSON.parse(row.vars) as Record<string, unknown>,
          updatedAt: row.updated_at,
        }
      : null
  }

  saveEnvironment(name: string, vars: Record<string, unknown>): void {
    const now = new Date().toISOString()
    this.db
      .prepare(
        `INSERT INTO environments (name, vars, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET vars = excluded.vars, updated_at = excluded.updated_at`,
      )
      .run(name, JSON.stringify(vars), now, now)
  }

  /** Deletes the environment and the secrets that belong to it alone. */
  deleteEnvironment(name: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM secrets WHERE environment = ?').run(name)
      return this.db.prepare('DELETE FROM environments WHERE name = ?').run(name).changes > 0
    })()
  }

  listSecrets(): SecretRow[] {
    const rows = this.db
      .prepare(
        'SELECT name, environment, fields, ciphertext, updated_at FROM secrets ORDER BY name, environment',
      )
      .all() as RawSecret[]
    return rows.map(toSecret)
  }

  getSecret(name: string, environment: string): SecretRow | null {
    const row = this.db
      .prepare(
        'SELECT name, environment, fields, ciphertext, updated_at FROM secrets WHERE name = ? AND environment = ?',
      )
      .get(name, environment) as RawSecret | undefined
    return row ? toSecret(row) : null
  }

  saveSecret(row: Omit<SecretRow, 'updatedAt'>): void {
    const now = new Date().toISOString()
    this.db
      .prepare(
        `INSERT INTO secrets (name, environment, fields, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(name, environment) DO UPDATE SET fields = excluded.fields, ciphertext = excluded.ciphertext,
           updated_at = excluded.updated_at`,
      )
      .run(row.name, row.environment, JSON.stringify(row.fields), row.ciphertext, now, now)
  }

  /** Replaces rows in one transaction (a rename re-seals every copy under its new name). */
  replaceSecrets(
    remove: { name: string; environment: string }[],
    add: Omit<SecretRow, 'updatedAt'>[],
  ): void {
    this.db.transaction(() => {
      for (const r of remove) this.deleteSecret(r.name, r.environment)
      for (const r of add) this.saveSecret(r)
    })()
  }

  deleteSecret(name: string, environment: string | null): number {
    if (environment === null)
      return this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes
    return this.db
      .prepare('DELETE FROM secrets WHERE name = ? AND environment = ?')
      .run(name, environment).changes
  }

  getSetting(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined
    return row?.value ?? null
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value)
  }
}

function toSecret(row: RawSecret): SecretRow {
  return {
    name: row.name,
    environment: row.environment,
    fields: JSON.parse(row.fields) as string[],
    ciphertext: row.ciphertext,
    updatedAt: row.updated_at,
  }
}
