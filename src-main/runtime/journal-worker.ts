/**
 * The runner's worker: runs the journal's events one at a time, in journal order. A run's state
 * changes are held back and saved with its journal mark in one transaction (store/journal.ts),
 * so a crash between the two never happens and each accepted event runs exactly once.
 */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { LoadedFlow, PluginSource } from '../engine/load'
import { Engine, RunInputError } from '../engine/runner'
import type { RunCommit, StateStore } from '../engine/state-store'
import type { Log } from '../http/server'
import type { Store } from '../store/store'

/** A flow the runner serves: the file, its loaded form and its deployed revision. */
export interface ServedFlow {
  flow: Flow
  loaded: LoadedFlow
  revision: number | null
}

export interface JournalWorkerOptions {
  store: Store
  plugins: PluginSource
  environment: () => RunEnvironment
  resolveFlow: (id: string) => Flow | undefined
  /** The served flow an event was journaled for (an unknown one is refused). */
  served: (flowId: string) => ServedFlow | undefined
  log: Log
}

export class JournalWorker {
  /** Loads the flows the worker runs; its state store defers commits to the journal mark. */
  readonly engine: Engine
  private pendingCommit: RunCommit | null = null
  private working: Promise<void> | null = null
  private stopping = false
  private readonly waiters = new Map<number, ((report: ExecutionReport | null) => void)[]>()

  constructor(private readonly options: JournalWorkerOptions) {
    const { store } = options
    const journaledState: StateStore = {
      loadProfile: (id) => store.state.loadProfile(id),
      loadSession: (id) => store.state.loadSession(id),
      commit: (commit) => {
        this.pendingCommit = commit
      },
    }
    this.engine = new Engine({
      plugins: options.plugins,
      store: journaledState,
      resolveFlow: options.resolveFlow,
      environment: options.environment,
    })
  }

  /** Journals an event (before it is acknowledged) and makes sure the worker will run it. */
  enqueue(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): { seq: number; duplicate: boolean } {
    const entry = this.options.store.journal.append(flowId, event, source, key)
    if (!entry.duplicate) this.wake()
    return entry
  }

  /**
   * The report of a journaled event: at once when it has run (also in an earlier process),
   * else when the worker gets to it; null when it was refused. `undefined` means the run was
   * pruned since (run retention), so there is nothing to answer with any more.
   */
  outcomeOf(seq: number): Promise<ExecutionReport | null | undefined> {
    const entry = this.options.store.journal.entry(seq)
    if (!entry || entry.status === 'pending')
      return new Promise((resolve) => {
        const list = this.waiters.get(seq) ?? []
        list.push(resolve)
        this.waiters.set(seq, list)
      })
    if (!entry.runId) return Promise.resolve(null)
    try {
      return Promise.resolve(this.options.store.getRun(entry.runId))
    } catch {
      return Promise.resolve(undefined)
    }
  }

  /** Starts working through the journal unless already at it (or stopped). */
  wake(): void {
    if (!this.working && !this.stopping)
      this.working = this.work().finally(() => (this.working = null))
  }

  /** Waits until every journaled event has run. */
  async drained(): Promise<void> {
    const { journal } = this.options.store
    for (;;) {
      if (this.working) await this.working
      const pending = journal.pendingCount() > 0
      if (!pending && !this.working) return
      if (pending && !this.working) this.wake()
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  /** Takes no new work; resolves when the run in progress has been saved. */
  async stop(): Promise<void> {
    this.stopping = true
    if (this.working) await this.working
  }

  private async work(): Promise<void> {
    const { store, log } = this.options
    for (;;) {
      const next = store.journal.nextEvent()
      if (!next) return
      this.pendingCommit = null
      const served = this.options.served(next.flowId)
      let report: ExecutionReport | null = null
      if (served) {
        try {
          report = await this.engine.run(served.loaded, {
            event: next.event,
            flowVersion: served.revision,
            trace: 'summary',
            trigger: { type: next.source },
          })
        } catch (error) {
          if (!(error instanceof RunInputError)) throw error
          log({ level: 'warn', msg: 'event refused', seq: next.seq, reason: error.message })
        }
      }
      store.journal.finish(next.seq, { report, commit: this.pendingCommit })
      log({
        level: report?.success ? 'info' : 'warn',
        msg: 'run finished',
        seq: next.seq,
        flowId: next.flowId,
        runId: report?.runId,
        status: report?.status ?? 'refused',
        durationMs: report?.durationMs,
      })
      for (const resolve of this.waiters.get(next.seq) ?? []) resolve(report)
      this.waiters.delete(next.seq)
      // Synchronous flows finish in microtasks; yield so requests are acknowledged in between.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}
