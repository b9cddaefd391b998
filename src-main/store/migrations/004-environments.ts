import type { Migration } from '../migrate'

/**
 * Environments (named sets of variables) and secrets. A secret's field values are stored only as
 * ciphertext (AES-256-GCM under a key kept outside the database); its field names are plain so
 * lists and the validator need no key. A secret with environment '' applies to every environment
 * that has no secret of that name of its own.
 */
export const environments: Migration = {
  version: 4,
  name: 'environments',
  up(db) {
    db.exec(`
      CREATE TABLE environments (
        name TEXT PRIMARY KEY,
        vars TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE secrets (
        name TEXT NOT NULL,
        environment TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (name, environment)
      ) STRICT;
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `)
  },
}
