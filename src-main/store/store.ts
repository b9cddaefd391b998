/**
 * The store (design §6): flows with their draft and every deployed revision, test cases,
 * profiles, sessions, events and runs, in one SQLite database per data directory.
 * better-sqlite3 is synchronous on purpose: each method is one short transaction, which keeps
 * every write atomic and avoids the interleaving an async driver would allow.
 *
 * `Store` is a facade: it opens the database, keeps it private, and composes one repository per
 * table group (Signal Desktop's sql/ split) — flows and staging, test cases, runs and retention,
 * the journal, environments and the engine's state store. Its methods delegate, so callers
 * need not know which repository answers.
 */
import path from 'node:path'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, Problem, TestCase } from '../../src-shared/flow/types'
import type { CheckOutcome, OpenedDatabase, OpenOptions, Recovered } from './database'
import { openDatabase } from './database'
import { EnvironmentsRepository } from './environments'
import type { FlowRecord, FlowSummary, RevisionSummary } from './flows'
import { FlowsRepository } from './flows'
import { Journal } from './journal'
import type { JournalEntry } from './journal-history'
import { JournalHistory } from './journal-history'
import type { RunnerLock } from './runner-lock'
import { acquireRunnerLock } from './runner-lock'
import type { RunPage, RunQuery } from './runs'
import { checkRetention, DEFAULT_RUN_RETENTION, RunsRepository } from './runs'
import { SqliteStateStore } from './sqlite-state-store'
import { Statements } from './statements'
import { TestCasesRepository } from './test-cases'

export { SqliteStateStore }
export type { CheckOutcome, Recovered }
export { MAX_DRAFT_BYTES } from './flows'
export type { FlowRecord, FlowSummary, RevisionSummary } from './flows'
export { DEFAULT_RUN_RETENTION, MAX_RUNS_PAGE } from './runs'
export type { RunPage, RunQuery, RunSummary } from './runs'
export type { JournalEntry } from './journal-history'

export const DATABASE_FILE = 'flowbench.db'

export interface StoreOptions extends OpenOptions {
  /** Runs kept per flow; older ones are pruned in the background. */
  retention?: number
}

export class Store {
  readonly file: string
  /** Set when the database file was unusable and moved aside; the app and CLI say so. */
  readonly recovered: Recovered | null
  /** The full check of a big database, running off the main thread; null when already done. */
  readonly backgroundCheck: Promise<CheckOutcome> | null
  /** Flows and staging: drafts, revisions, deploy and revert, duplicate, the trash. */
  readonly flows: FlowsRepository
  readonly testCases: TestCasesRepository
  /** Runs with their reports, and their retention. */
  readonly runs: RunsRepository
  readonly state: SqliteStateStore
  readonly environments: EnvironmentsRepository
  /** The runner's journal of accepted events (serve and the app's local runner). */
  readonly journal: Journal
  readonly journalHistory: JournalHistory
  private readonly statements: Statements
  private readonly opened: OpenedDatabase
  private closed = false
  private readonly nativeBinding: string | undefined

  private constructor(file: string, options: StoreOptions) {
    this.nativeBinding = options.nativeBinding
    // Checked before the file is opened, so a bad option leaves nothing open.
    const retention = checkRetention(options.retention ?? DEFAULT_RUN_RETENTION)
    this.file = file
    this.opened = openDatabase(file, options)
    // The only handle on the database: repositories get statements, nobody else gets SQL.
    const db = this.opened.db
    this.recovered = this.opened.recovered
    this.backgroundCheck = this.opened.backgroundCheck
    this.statements = new Statements(db)
    this.testCases = new TestCasesRepository(this.statements, (id) => this.flows.require(id))
    this.flows = new FlowsRepository(this.statements, this.testCases)
    this.runs = new RunsRepository(this.statements, retention)
    this.state = new SqliteStateStore(db)
    this.environments = new EnvironmentsRepository(db)
    this.journal = new Journal(db, {
      commit: (commit) => this.state.commit(commit),
      recordRun: (report) => this.runs.record(report),
    })
    this.journalHistory = new JournalHistory(this.statements)
  }

  /** Opens (creating if needed) `<dataDir>/flowbench.db`. */
  static open(dataDir: string, options: StoreOptions = {}): Store {
    return new Store(path.join(dataDir, DATABASE_FILE), options)
  }

  /**
   * Runs store calls as one transaction: all of them are saved, or none (bundle import deploys
   * every flow of a bundle this way). `work` must be synchronous, as better-sqlite3 requires.
   */
  inTransaction<T>(work: () => T): T {
    return this.statements.transaction(work)
  }

  /**
   * Claims this data directory for one runner (serve or the app's local runner) until the
   * lock is released or the process ends; throws RunnerBusyError naming the holder.
   */
  lockRunner(what: string): RunnerLock {
    return acquireRunnerLock(path.dirname(this.file), { what, nativeBinding: this.nativeBinding })
  }

  get retention(): number {
    return this.runs.retention
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.runs.close()
    this.journal.closeSync()
    this.opened.close()
  }

  // ---- flows and staging (flows.ts) ----

  listFlows(options: { includeDeleted?: boolean } = {}): FlowSummary[] {
    return this.flows.list(options)
  }

  createFlow(flow: Flow): FlowSummary {
    return this.flows.create(flow)
  }

  getFlow(id: string): FlowRecord {
    return this.flows.get(id)
  }

  saveDraft(id: string, baseVersion: number, draft: unknown): { version: number; savedAt: string } {
    return this.flows.saveDraft(id, baseVersion, draft)
  }

  deploy(
    id: string,
    options: { note?: string; validate: (flow: Flow) => Problem[] },
  ): { revision: number; deployedAt: string; sha256: string } {
    return this.flows.deploy(id, options)
  }

  history(id: string): RevisionSummary[] {
    return this.flows.history(id)
  }

  /** One deployed revision as it was deployed, for History to show and diff. */
  revision(
    id: string,
    revision: number,
  ): { revision: number; flow: Flow; createdAt: string; note: string | null } {
    return this.flows.revision(id, revision)
  }

  revert(id: string, revision: number): { version: number; savedAt: string } {
    return this.flows.revert(id, revision)
  }

  duplicate(id: string, newId?: string, newName?: string): FlowSummary {
    return this.flows.duplicate(id, newId, newName)
  }

  delete(id: string): void {
    this.flows.delete(id)
  }

  restore(id: string): FlowSummary {
    return this.flows.restore(id)
  }

  emptyTrash(): number {
    return this.flows.emptyTrash()
  }

  production(id: string): { revision: number; flow: Flow } | null {
    return this.flows.production(id)
  }

  // ---- test cases (test-cases.ts) ----

  listTestCases(flowId: string): TestCase[] {
    return this.testCases.list(flowId)
  }

  saveTestCases(flowId: string, cases: TestCase[]): void {
    this.testCases.save(flowId, cases)
  }

  // ---- journal, read side (journal-history.ts) ----

  journalEntries(query: { flowId?: string; since?: string } = {}): Generator<JournalEntry> {
    return this.journalHistory.entries(query)
  }

  // ---- runs (runs.ts) ----

  recordRun(report: ExecutionReport): void {
    this.runs.record(report)
  }

  listRuns(query: RunQuery = {}): RunPage {
    return this.runs.list(query)
  }

  getRun(runId: string): ExecutionReport {
    return this.runs.get(runId)
  }

  findRun(runId: string): ExecutionReport | null {
    return this.runs.find(runId)
  }

  pruneNow(options: { allFlows?: boolean } = {}): number {
    return this.runs.pruneNow(options)
  }
}
