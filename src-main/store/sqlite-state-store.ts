/**
 * The engine's StateStore on SQLite. It sits on the hot path of every run (one load and one
 * commit per event), so its statements and its transaction are prepared once.
 */
import type { Database, Statement } from 'better-sqlite3'
import type { EventRecord, ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import type { RunCommit, StateStore } from '../engine/state-store'

type Row = { content: string } | undefined

export class SqliteStateStore implements StateStore {
  private readonly selectProfile: Statement<[string], Row>
  private readonly selectSession: Statement<[string], Row>
  private readonly selectEvent: Statement<[string], Row>
  private readonly recentProfiles: Statement<[number], { content: string }>
  private readonly writeCommit: (commit: RunCommit) => void

  constructor(db: Database) {
    this.selectProfile = db.prepare('SELECT content FROM profiles WHERE id = ?')
    this.selectSession = db.prepare('SELECT content FROM sessions WHERE id = ?')
    this.selectEvent = db.prepare('SELECT content FROM events WHERE id = ?')
    this.recentProfiles = db.prepare(
      'SELECT content FROM profiles ORDER BY updated_at DESC, rowid DESC LIMIT ?',
    )
    const upsertProfile = db.prepare<[string, string, string, string]>(
      `INSERT INTO profiles (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
    )
    const upsertSession = db.prepare<[string, string, string, string, string]>(
      `INSERT INTO sessions (id, profile_id, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET profile_id = excluded.profile_id, content = excluded.content,
         updated_at = excluded.updated_at`,
    )
    const insertEvent = db.prepare<[string, string | null, string | null, string, string, string]>(
      `INSERT OR REPLACE INTO events (id, profile_id, session_id, type, time, content)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    // One transaction: a crash part-way through a commit leaves none of it behind.
    this.writeCommit = db.transaction((commit: RunCommit) => {
      const { profile, session, event } = commit
      upsertProfile.run(profile.id, JSON.stringify(profile), profile.createdAt, profile.updatedAt)
      if (session) {
        upsertSession.run(
          session.id,
          session.profileId,
          JSON.stringify(session),
          session.createdAt,
          session.updatedAt,
        )
      }
      insertEvent.run(
        event.id,
        event.profileId,
        event.sessionId,
        event.type,
        event.time,
        JSON.stringify(event),
      )
    })
  }

  loadProfile(id: string): ProfileRecord | null {
    const row = this.selectProfile.get(id)
    return row ? (JSON.parse(row.content) as ProfileRecord) : null
  }

  loadSession(id: string): SessionRecord | null {
    const row = this.selectSession.get(id)
    return row ? (JSON.parse(row.content) as SessionRecord) : null
  }

  /** The engine calls this only after a successful run; failed runs save nothing. */
  commit(commit: RunCommit): void {
    this.writeCommit(commit)
  }

  getProfile(id: string): ProfileRecord | null {
    return this.loadProfile(id)
  }

  getSession(id: string): SessionRecord | null {
    return this.loadSession(id)
  }

  getEvent(id: string): EventRecord | null {
    const row = this.selectEvent.get(id)
    return row ? (JSON.parse(row.content) as EventRecord) : null
  }

  /** The most recently updated profiles first. */
  listProfiles(limit = 100): ProfileRecord[] {
    const capped = Math.min(Math.max(Math.trunc(limit), 1), 10_000)
    return this.recentProfiles.all(capped).map((row) => JSON.parse(row.content) as ProfileRecord)
  }
}
