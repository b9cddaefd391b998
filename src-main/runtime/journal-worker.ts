/**
 * The runner's worker: runs the journal's events, on serve's flow threads (flow-threads.ts) or,
 * with `threads: 0`, on this thread one at a time. This thread keeps every SQLite read and write:
 * it reads an event's profile and session when it hands the event out, and saves the run's
 * report and state changes with the event's journal mark in one transaction (store/journal.ts),
 * so a crash between the two never happens and each accepted event runs exactly once.
 *
 * Per-profile serialisation: an event waits while another event of its profile (or of its
 * session) runs, so two runs never read the same profile and one of their updates is lost; and
 * events of one profile start in journal order. Events naming neither run freely. A run whose
 * thread dies is run again (twice at most); a third death or a hang marks it failed with the reason.
 */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { LoadedFlow, PluginSource } from '../engine/load'
import { newId } from '../engine/ids'
import { Engine, isoNow, RunInputError } from '../engine/runner'
import type { RunCommit, StateStore } from '../engine/state-store'
import type { Log } from '../http/server'
import type { JournalOutcome, PendingEvent } from '../store/journal'
import type { Store } from '../store/store'
import { FlowThreads, ThreadFailure, threadPlugins } from './flow-threads'

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
  /** Every served flow (the flow threads load them all, for subflows too). */
  servedFlows?: () => Iterable<ServedFlow>
  log: Log
  /** Flow threads; 0 (the default) runs events on this thread, one at a time. */
  threads?: number
  /** Runs one flow thread has going at once (flows that wait on timers or I/O overlap). */
  runsPerThread?: number
  /** A run on a thread still going after this is taken for hung and marked failed. */
  runTimeoutMs?: number
}

/** Journaled events looked at when choosing what runs next (bounds the work per choice). */
const WINDOW = 256
const DEFAULT_RUN_TIMEOUT_MS = 5 * 60_000
/**
 * A run whose thread died is run again this many times before it is marked failed. More than
 * once: a thread runs several events at a time, and one event that ends its thread takes the
 * others down with it, which should not fail them.
 */
const CRASH_RETRIES = 2

interface Waiting extends PendingEvent {
  crashes: number
  /** Its profile and session keys; a session-only event's profile key once its session is known. */
  keys: string[]
  ownerKnown: boolean
}

export class JournalWorker {
  /** Loads the flows the worker runs; its state store defers commits to the journal mark. */
  readonly engine: Engine
  private readonly commits = new Map<string, RunCommit>()
  /** Pending events read from the journal and not handed out yet, in journal order. */
  private window: Waiting[] = []
  private readUpTo = 0
  private readonly running = new Map<number, Promise<void>>()
  /** Profiles (`p:id`) and sessions (`s:id`) with a run in progress. */
  private readonly busy = new Set<string>()
  /** Undefined until the first event: the served flows are known only once serving starts. */
  private threads: FlowThreads | null | undefined
  private stopping = false
  private wakeScheduled = false
  /** Direct runs waiting for a profile or session to be free. */
  private released: (() => void)[] = []
  /** Runs finished this turn, saved together at its end. */
  private finished: { next: Waiting; outcome: JournalOutcome; resolve: () => void }[] = []
  private readonly waiters = new Map<number, ((report: ExecutionReport | null) => void)[]>()

  constructor(private readonly options: JournalWorkerOptions) {
    const { store } = options
    const journaledState: StateStore = {
      loadProfile: (id) => store.state.loadProfile(id),
      loadSession: (id) => store.state.loadSession(id),
      commit: (commit) => void this.commits.set(commit.runId, commit),
    }
    this.engine = new Engine({
      plugins: options.plugins,
      store: journaledState,
      resolveFlow: options.resolveFlow,
      environment: options.environment,
    })
  }

  /**
   * Journals an event, synced to disk, and makes sure it will run. Resolves once the event
   * would survive a power cut, so the caller may acknowledge it.
   */
  async enqueue(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): Promise<{ seq: number; duplicate: boolean }> {
    const entry = await this.options.store.journal.appendSynced(flowId, event, source, key)
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

  /**
   * Hands out, on the next turn of the event loop, every journaled event that may run then
   * (unless stopped): the acknowledgements and finished runs of one turn share one look.
   */
  wake(): void {
    if (this.wakeScheduled || this.stopping) return
    this.wakeScheduled = true
    setImmediate(() => {
      this.wakeScheduled = false
      this.dispatch()
    })
  }

  private dispatch(): void {
    if (this.stopping) return
    const capacity = this.capacity()
    if (this.running.size >= capacity) return
    if (this.window.length < WINDOW) {
      const more = this.options.store.journal.pendingAfter(
        this.readUpTo,
        WINDOW - this.window.length,
      )
      for (const event of more) this.window.push(waiting(event))
      if (more.length > 0) this.readUpTo = more[more.length - 1]!.seq
    }
    // An event waits behind a running one of its profile or session, and behind a waiting one:
    // events of one profile start in journal order.
    const blocked = new Set(this.busy)
    for (let i = 0; i < this.window.length && this.running.size < capacity;) {
      const next = this.window[i]!
      const keys = this.keysOf(next)
      if (keys.some((k) => blocked.has(k))) {
        for (const k of keys) blocked.add(k)
        i++
        continue
      }
      this.window.splice(i, 1)
      for (const k of keys) {
        blocked.add(k)
        this.busy.add(k)
      }
      const done = this.runEvent(next).finally(() => {
        this.running.delete(next.seq)
        this.release(keys)
      })
      this.running.set(next.seq, done)
    }
  }

  /**
   * Runs `work` (a run that is not journaled: its request brings the profile or session) once
   * no run of the same profile or session is going, and holds journaled events of them back
   * meanwhile, so neither overwrites the other's profile update.
   */
  async exclusive<T>(
    state: { event?: unknown; profile?: unknown; session?: unknown },
    work: () => Promise<T>,
  ): Promise<T> {
    const keys = directKeys(state)
    while (keys.some((k) => this.busy.has(k)))
      await new Promise<void>((resolve) => this.released.push(resolve))
    for (const k of keys) this.busy.add(k)
    try {
      return await work()
    } finally {
      this.release(keys)
    }
  }

  private release(keys: string[]): void {
    for (const k of keys) this.busy.delete(k)
    const waiting = this.released
    this.released = []
    for (const resolve of waiting) resolve()
    this.wake()
  }

  /** Waits until every journaled event has run. */
  async drained(): Promise<void> {
    const { journal } = this.options.store
    for (;;) {
      if (this.running.size === 0 && journal.pendingCount() === 0) return
      this.wake()
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  /** Takes no new work; resolves when the runs in progress have been saved. */
  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.running.values())
    await this.threads?.close()
  }

  private capacity(): number {
    if (this.threads === undefined) this.threads = this.startThreads()
    return this.threads?.capacity ?? 1
  }

  private startThreads(): FlowThreads | null {
    const { threads = 0, servedFlows, plugins, log } = this.options
    if (threads <= 0 || !servedFlows) return null
    const flows = [...servedFlows()]
    const needed = threadPlugins(
      plugins,
      flows.flatMap((s) => s.flow.nodes.map((n) => n.plugin)),
    )
    if ('unloadable' in needed) {
      log({
        level: 'warn',
        msg: `flows run on the main thread: plugin ${needed.unloadable.join(', ')} was not loaded from a module file, so flow threads cannot load it`,
      })
      return null
    }
    log({ level: 'info', msg: 'flow threads', threads })
    return new FlowThreads({
      threads,
      runsPerThread: this.options.runsPerThread ?? 4,
      runTimeoutMs: this.options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
      flows: flows.map(({ flow, revision }) => ({ flow, revision })),
      plugins: needed.modules,
    })
  }

  /** What an event must not run alongside: its profile and session, and its session's profile. */
  private keysOf(next: Waiting): string[] {
    if (!next.ownerKnown) {
      // A session's profile is set by the session's first run, which holds the session's key.
      const owner = this.options.store.state.loadSession(next.event.sessionId as string)?.profileId
      if (owner) {
        next.keys.push(`p:${owner}`)
        next.ownerKnown = true
      }
    }
    return next.keys
  }

  private async runEvent(next: Waiting): Promise<void> {
    const { log } = this.options
    const served = this.options.served(next.flowId)
    let outcome: JournalOutcome = { report: null, commit: null }
    if (served) {
      try {
        outcome = await this.execute(served, next)
      } catch (error) {
        if (error instanceof RunInputError) {
          log({ level: 'warn', msg: 'event refused', seq: next.seq, reason: error.message })
        } else {
          const failure =
            error instanceof ThreadFailure
              ? error
              : new ThreadFailure('thread-crashed', `The run stopped: ${(error as Error).message}`)
          if (failure.code === 'thread-crashed' && next.crashes < CRASH_RETRIES) {
            log({ level: 'warn', msg: 'run again', seq: next.seq, reason: failure.message })
            next.crashes++
            // Back in its place: it keeps its turn among its profile's events.
            const at = this.window.findIndex((w) => w.seq > next.seq)
            this.window.splice(at < 0 ? this.window.length : at, 0, next)
            return
          }
          outcome = { report: failedReport(served, next, failure), commit: null }
        }
      }
    }
    await this.save(next, outcome)
  }

  /**
   * Saves a finished run with its journal mark. Runs that finish in the same turn of the event
   * loop are saved in one transaction; the promise resolves once this one is saved, and only
   * then may the next event of its profile start.
   */
  private save(next: Waiting, outcome: JournalOutcome): Promise<void> {
    return new Promise((resolve) => {
      if (this.finished.length === 0) setImmediate(() => this.saveFinished())
      this.finished.push({ next, outcome, resolve })
    })
  }

  private saveFinished(): void {
    const { store, log } = this.options
    const batch = this.finished
    this.finished = []
    let saved = batch
    try {
      store.journal.finishAll(batch.map(({ next, outcome }) => ({ seq: next.seq, outcome })))
    } catch {
      // One bad outcome must not cost the others theirs: save them one by one.
      saved = batch.filter(({ next, outcome }) => {
        try {
          store.journal.finish(next.seq, outcome)
          return true
        } catch (error) {
          // Still pending in the journal: the next start runs it again.
          log({ level: 'error', msg: 'run not saved', seq: next.seq, reason: String(error) })
          return false
        }
      })
    }
    for (const { next, outcome } of saved) {
      const report = outcome.report
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
    }
    for (const { resolve } of batch) resolve()
  }

  private async execute(served: ServedFlow, next: Waiting): Promise<JournalOutcome> {
    if (this.threads) {
      const { store } = this.options
      // Read now, after the previous run of this profile was saved (it is not running).
      const sessionId = typeof next.event.sessionId === 'string' ? next.event.sessionId : null
      const session = sessionId ? store.state.loadSession(sessionId) : null
      const profileId =
        typeof next.event.profileId === 'string' ? next.event.profileId : session?.profileId || null
      const answer = await this.threads.run({
        flowId: next.flowId,
        event: next.event,
        source: next.source,
        profile: profileId ? store.state.loadProfile(profileId) : null,
        session,
        environment: this.options.environment(),
      })
      if (!answer.ran) throw new RunInputError(answer.refused)
      return { report: answer.report, commit: answer.commit }
    }
    const runId = newId()
    try {
      const report = await this.engine.run(served.loaded, {
        event: next.event,
        flowVersion: served.revision,
        trace: 'summary',
        trigger: { type: next.source },
        runId,
      })
      return { report, commit: this.commits.get(runId) ?? null }
    } finally {
      this.commits.delete(runId)
      // Synchronous flows finish in microtasks; yield so requests are acknowledged in between.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}

function waiting(event: PendingEvent): Waiting {
  const keys: string[] = []
  const { profileId, sessionId } = event.event
  if (typeof profileId === 'string') keys.push(`p:${profileId}`)
  if (typeof sessionId === 'string') keys.push(`s:${sessionId}`)
  const ownerKnown = typeof profileId === 'string' || typeof sessionId !== 'string'
  return { ...event, crashes: 0, keys, ownerKnown }
}

function directKeys(state: { event?: unknown; profile?: unknown; session?: unknown }): string[] {
  const idOf = (value: unknown, field: string): unknown =>
    value && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined
  const keys = new Set<string>()
  for (const [value, prefix] of [
    [idOf(state.event, 'profileId'), 'p:'],
    [idOf(state.profile, 'id'), 'p:'],
    [idOf(state.session, 'profileId'), 'p:'],
    [idOf(state.event, 'sessionId'), 's:'],
    [idOf(state.session, 'id'), 's:'],
  ] as const)
    if (typeof value === 'string') keys.add(prefix + value)
  return [...keys]
}

/** The report of a run that never got to finish: its thread died or it hung. */
function failedReport(served: ServedFlow, next: Waiting, failure: ThreadFailure): ExecutionReport {
  const now = isoNow()
  const entry = served.loaded.entry.node
  return {
    runId: newId(),
    flowId: served.flow.id,
    flowVersion: served.revision,
    status: 'failed',
    success: false,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    trigger: { type: next.source, nodeId: entry.id, plugin: entry.plugin },
    trace: 'summary',
    state: { event: next.event, profile: null, session: null, flow: {} },
    changes: { profile: [], session: [], event: [] },
    nodes: [],
    edges: {},
    errors: [{ nodeId: '', message: failure.message, code: failure.code }],
  }
}
