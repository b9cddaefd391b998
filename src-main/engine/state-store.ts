/**
 * Where a run's profile and session come from and where its changes go. The engine only knows
 * this interface; the in-memory store below serves tests and the CLI without `--data-dir`,
 * the SQLite store lives in src-main/store.
 */
import type { Change } from '../../src-shared/engine/report'
import type { EventRecord, ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import { cloneJson } from './json'

export interface RunCommit {
  runId: string
  flowId: string
  event: EventRecord
  profile: ProfileRecord
  /** Null when the event named no session and the run did not touch the ephemeral one. */
  session: SessionRecord | null
  changes: { profile: Change[]; session: Change[]; event: Change[] }
}

export interface StateStore {
  loadProfile(id: string): ProfileRecord | null | Promise<ProfileRecord | null>
  loadSession(id: string): SessionRecord | null | Promise<SessionRecord | null>
  /**
   * The stored profile itself, not a copy, for a store that keeps profiles as objects. The
   * engine never changes it: a run copies an entry before its first write into it and the
   * whole profile before any part of it could be handed out.
   */
  loadProfileShared?(id: string): ProfileRecord | null
  /** Called once, at the end of a successful run only, with everything the run changed. */
  commit(commit: RunCommit): void | Promise<void>
}

export class MemoryStateStore implements StateStore {
  readonly profiles = new Map<string, ProfileRecord>()
  readonly sessions = new Map<string, SessionRecord>()
  readonly events = new Map<string, EventRecord>()
  /** Keeps events only when asked: a long `run --events` must not hold every event in memory. */
  constructor(private readonly keepEvents = false) {}

  loadProfile(id: string): ProfileRecord | null {
    const profile = this.profiles.get(id)
    return profile ? cloneJson(profile) : null
  }

  loadProfileShared(id: string): ProfileRecord | null {
    return this.profiles.get(id) ?? null
  }

  loadSession(id: string): SessionRecord | null {
    const session = this.sessions.get(id)
    return session ? cloneJson(session) : null
  }

  /** Keeps the run's own objects: the engine never touches them after the run, and loading clones. */
  commit(commit: RunCommit): void {
    this.profiles.set(commit.profile.id, commit.profile)
    if (commit.session) this.sessions.set(commit.session.id, commit.session)
    if (this.keepEvents) this.events.set(commit.event.id, commit.event)
  }
}
