/**
 * The local execution backend: the data directory's SQLite journal, and the journal worker
 * running each accepted event on this machine's flow threads (or on the main thread with
 * `threads: 0`). What `serve` without `--queue` uses, and the app's runner.
 */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { ProfileRecord } from '../../src-shared/plugin-sdk'
import type { PluginSource } from '../engine/load'
import type { RunOptions } from '../engine/runner'
import { Engine } from '../engine/runner'
import type { Log } from '../http/server'
import type { Store } from '../store/store'
import type { ExecutionBackend, FlowStats, RunSummary, Submission } from './backend'
import type { JournalWorkerOptions, ServedFlow } from './journal-worker'
import { JournalWorker } from './journal-worker'

export interface LocalBackendOptions extends JournalWorkerOptions {
  store: Store
  plugins: PluginSource
  environment: () => RunEnvironment
  resolveFlow: (id: string) => Flow | undefined
  served: (flowId: string) => ServedFlow | undefined
  log: Log
  /**
   * Sync each acknowledged event to disk before answering (group commit). On by default; off only
   * to measure what it costs.
   */
  syncAcknowledgements?: boolean
}

export class LocalBackend implements ExecutionBackend {
  private readonly worker: JournalWorker
  private readonly store: Store

  constructor(private readonly options: LocalBackendOptions) {
    this.store = options.store
    this.worker = new JournalWorker(options)
    // The runner commits often and small: keeps each acknowledgement's write short.
    this.store.journal.preferSmallCheckpoints()
    this.store.journal.syncAppends = options.syncAcknowledgements ?? true
  }

  /** Loads a flow the way this backend's runs will see it. */
  load(flow: Flow): ServedFlow['loaded'] {
    return this.worker.engine.load(flow)
  }

  async submit(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): Promise<Submission> {
    const { seq, duplicate } = await this.worker.enqueue(flowId, event, source, key)
    return { id: String(seq), duplicate }
  }

  submissionOfKey(key: string): Promise<string | null> {
    const seq = this.store.journal.seqOfKey(key)
    return Promise.resolve(seq === null ? null : String(seq))
  }

  outcomeOf(id: string): Promise<ExecutionReport | null | undefined> {
    return this.worker.outcomeOf(Number(id))
  }

  async runDirect(served: ServedFlow, input: RunOptions): Promise<ExecutionReport> {
    const engine = new Engine({
      plugins: this.options.plugins,
      store: this.store.state,
      resolveFlow: this.options.resolveFlow,
      environment: this.options.environment,
    })
    // Not while a journaled run of the same profile or session is going (flow threads).
    return this.worker.exclusive(input, async () => {
      const report = await engine.run(served.loaded, input)
      this.store.recordRun(report)
      return report
    })
  }

  stats(flowId: string): Promise<FlowStats> {
    return Promise.resolve(this.store.journal.stats(flowId))
  }

  run(runId: string): Promise<ExecutionReport | null> {
    return Promise.resolve(this.store.findRun(runId))
  }

  recentRuns(flowId: string, limit: number): Promise<RunSummary[]> {
    return Promise.resolve(this.store.listRuns({ flowId, limit }).runs)
  }

  profile(id: string): Promise<ProfileRecord | null> {
    return Promise.resolve(this.store.state.getProfile(id))
  }

  pending(): Promise<number> {
    return Promise.resolve(this.store.journal.pendingCount())
  }

  start(): void {
    this.worker.wake()
  }

  drained(): Promise<void> {
    return this.worker.drained()
  }

  close(): Promise<void> {
    return this.worker.stop()
  }
}
