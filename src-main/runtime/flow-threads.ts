/**
 * serve's flow threads: a Piscina pool of worker threads that run journaled events
 * (flow-thread.ts), so a flow that burns CPU never holds up acknowledgements or /healthz, and
 * every core runs flows. The main thread keeps every SQLite read and write; a thread only gets
 * an event with its profile and session and answers with the report and the changes.
 *
 * Why Piscina: it queues tasks, replaces a thread that died and ends the thread of an aborted
 * task — what a hand-made pool would have to get right.
 */
import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import type { PluginSource } from '../engine/load'
import type { ThreadAnswer, ThreadSetup, ThreadTask } from './flow-thread'

/** A run a thread could not finish: the thread died, or the run outlasted its time limit. */
export class ThreadFailure extends Error {
  constructor(
    readonly code: 'thread-crashed' | 'run-timed-out',
    message: string,
  ) {
    super(message)
    this.name = 'ThreadFailure'
  }
}

/** As many threads as cores by default. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism())
}

/**
 * The non-built-in plugins the served flows need, as modules a thread can load; or the ids of
 * those that were registered without a module (they can only run on the main thread).
 */
export function threadPlugins(
  plugins: PluginSource,
  pluginIds: Iterable<string>,
): { modules: ThreadSetup['plugins'] } | { unloadable: string[] } {
  const registry = plugins as Partial<{
    originOf(id: string): string | undefined
    moduleOf(id: string): string | undefined
  }>
  const modules: ThreadSetup['plugins'] = []
  const unloadable: string[] = []
  for (const id of new Set(pluginIds)) {
    if (registry.originOf?.(id) === 'builtin') continue
    const module = registry.moduleOf?.(id)
    if (module) modules.push({ id, module })
    else unloadable.push(id)
  }
  return unloadable.length > 0 ? { unloadable } : { modules }
}

export interface FlowThreadsOptions extends ThreadSetup {
  threads: number
  /** Runs a thread may have going at once (flows that wait on timers or I/O overlap). */
  runsPerThread: number
  /** A run still going after this is taken for hung: its thread is ended. */
  runTimeoutMs: number
}

export class FlowThreads {
  private readonly pool: Piscina<ThreadTask, ThreadAnswer>
  private nextTaskId = 0
  /** Starts a task's time limit; called when its thread begins it (not while it is queued). */
  private readonly onStart = new Map<number, () => void>()

  constructor(private readonly options: FlowThreadsOptions) {
    this.pool = new Piscina({
      filename: new URL('./flow-thread-entry.mjs', import.meta.url).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: options.runsPerThread,
      idleTimeout: Infinity,
      // Runs wait on timers and sockets: a thread must keep its event loop going between tasks.
      atomics: 'disabled',
      workerData: { flows: options.flows, plugins: options.plugins } satisfies ThreadSetup,
    })
    // A thread that dies fails its tasks (run() rejects); Piscina starts a fresh one.
    this.pool.on('error', () => {})
    this.pool.on('message', (message: { flowThreadTaskStarted?: number }) => {
      const id = message?.flowThreadTaskStarted
      if (id === undefined) return
      this.onStart.get(id)?.()
      this.onStart.delete(id)
    })
  }

  /** How many runs the pool takes at once. */
  get capacity(): number {
    return this.options.threads * this.options.runsPerThread
  }

  /** Rejects with a ThreadFailure when the thread dies or the run hangs. */
  async run(task: Omit<ThreadTask, 'taskId'>): Promise<ThreadAnswer> {
    const taskId = this.nextTaskId++
    const limit = new AbortController()
    let timer: NodeJS.Timeout | undefined
    this.onStart.set(taskId, () => {
      timer = setTimeout(() => limit.abort(), this.options.runTimeoutMs)
    })
    try {
      return await this.pool.run({ ...task, taskId }, { signal: limit.signal })
    } catch (error) {
      if (limit.signal.aborted)
        throw new ThreadFailure(
          'run-timed-out',
          `The run did not finish within ${this.options.runTimeoutMs} ms; its thread was stopped`,
        )
      throw new ThreadFailure(
        'thread-crashed',
        `The thread running this flow stopped: ${(error as Error).message}`,
      )
    } finally {
      this.onStart.delete(taskId)
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true })
  }
}
