/**
 * What one of serve's flow threads runs (flow-threads.ts owns the pool). A thread loads the served
 * flows and the same plugins once, then runs the events it is given on the profile and session
 * the main thread read for it, and hands back the report and the state changes. It never touches
 * SQLite: the main thread saves the outcome with the event's journal mark in one transaction.
 */
import { parentPort } from 'node:worker_threads'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import type { LoadedFlow } from '../engine/load'
import { Engine, RunInputError } from '../engine/runner'
import { newId } from '../engine/ids'
import type { RunCommit, StateStore } from '../engine/state-store'
import { PluginRegistry } from '../plugins-host/registry'

/** Given to every thread when it starts. */
export interface ThreadSetup {
  flows: { flow: Flow; revision: number | null }[]
  /** Plugins beyond the built-ins, as modules the thread imports (installed or bundled). */
  plugins: { id: string; module: string }[]
}

/** One journaled event to run. */
export interface ThreadTask {
  /** Told to the main thread when the run starts: its time limit counts from then. */
  taskId: number
  flowId: string
  event: Record<string, unknown>
  source: string
  /** The event's stored profile and session, read after the profile's previous run was saved. */
  profile: ProfileRecord | null
  session: SessionRecord | null
  environment: RunEnvironment
}

export type ThreadAnswer =
  { ran: true; report: ExecutionReport; commit: RunCommit | null } | { ran: false; refused: string }

export async function createFlowThread(
  setup: ThreadSetup,
): Promise<(task: ThreadTask) => Promise<ThreadAnswer>> {
  const plugins = PluginRegistry.withBuiltins()
  for (const { id, module } of setup.plugins) {
    const loaded = (await import(module)) as { default?: unknown }
    const definition = plugins.register(loaded.default, 'user')
    if (definition.id !== id)
      throw new Error(`Plugin module ${module} now says it is ${definition.id}, not ${id}`)
  }

  // Runs of different profiles share this thread's engine (its subflow cache too); each run reads
  // its state and environment synchronously as it starts, so `starting` is that run's task.
  let starting: ThreadTask | null = null
  const commits = new Map<string, RunCommit>()
  const state: StateStore = {
    loadProfile: (id) => (starting?.profile?.id === id ? starting.profile : null),
    loadSession: (id) => (starting?.session?.id === id ? starting.session : null),
    commit: (commit) => void commits.set(commit.runId, commit),
  }
  const flows = new Map(setup.flows.map((f) => [f.flow.id, f]))
  const engine = new Engine({
    plugins,
    store: state,
    resolveFlow: (id) => flows.get(id)?.flow,
    environment: () => starting!.environment,
  })
  const loaded = new Map<string, LoadedFlow>()
  for (const { flow } of setup.flows) loaded.set(flow.id, engine.load(flow))

  return async (task) => {
    parentPort?.postMessage({ flowThreadTaskStarted: task.taskId })
    const flow = loaded.get(task.flowId)
    if (!flow) return { ran: false, refused: `flow "${task.flowId}" is not served here` }
    const runId = newId()
    starting = task
    let running: Promise<ExecutionReport>
    try {
      running = engine.run(flow, {
        event: task.event,
        flowVersion: flows.get(task.flowId)!.revision,
        trace: 'summary',
        trigger: { type: task.source },
        runId,
      })
    } finally {
      starting = null
    }
    try {
      const report = await running
      const commit = commits.get(runId) ?? null
      return { ran: true, report, commit }
    } catch (error) {
      if (error instanceof RunInputError) return { ran: false, refused: error.message }
      throw error
    } finally {
      commits.delete(runId)
    }
  }
}
