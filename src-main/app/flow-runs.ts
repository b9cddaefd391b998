/**
 * "Run this flow once": the one home of the use case the app's API and the CLI both perform —
 * build an engine over the given plugins, state and environment, load the flow (a flow with
 * errors throws FlowLoadError with its problems), run the event, and persist what it did.
 * The engine only returns the run's commit; saving it and recording the report are hooks here,
 * so callers decide where runs go (n8n's WorkflowExecute returns the run, its lifecycle hooks
 * save it). Callers parse their input and format the output; nothing more.
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { LoadedFlow } from '../engine/load'
import type { EngineOptions, ExecutedRun, RunOptions } from '../engine/runner'
import { Engine } from '../engine/runner'
import { errorMessage } from '../engine/errors'
import type { RunCommit } from '../engine/state-store'

export interface PreparedFlow {
  engine: Engine
  loaded: LoadedFlow
}

/** An engine with the flow loaded, for callers that run many events (`run --events`). */
export function prepareFlow(flow: unknown, options: EngineOptions): PreparedFlow {
  const engine = new Engine(options)
  return { engine, loaded: engine.load(flow) }
}

export interface RunHooks {
  /**
   * Saves what a successful run changed; by default the engine's state store's commit. A
   * failing save fails the run, as it does inside the engine.
   */
  persist?: (commit: RunCommit) => void | Promise<void>
  /** Saves the report (the store's run history); called before the report is returned. */
  record?: (report: ExecutionReport) => void
}

export interface RunOnceOptions extends EngineOptions, RunHooks {}

/** Runs one event through an already prepared flow, then persists the commit and records the report. */
export async function runPrepared(
  prepared: PreparedFlow,
  input: RunOptions,
  hooks: RunHooks = {},
): Promise<ExecutedRun> {
  const { engine, loaded } = prepared
  const { report, commit } = await engine.execute(loaded, input)
  let saved = commit
  if (commit) {
    try {
      const persisting = (hooks.persist ?? ((c: RunCommit) => engine.store.commit(c)))(commit)
      if (persisting) await persisting
    } catch (error) {
      saved = null
      markUnsaved(report, error)
    }
  }
  hooks.record?.(report)
  return { report, commit: saved }
}

export async function runFlowOnce(
  flow: unknown,
  input: RunOptions,
  options: RunOnceOptions,
): Promise<ExecutedRun> {
  const { record, persist, ...engineOptions } = options
  return runPrepared(prepareFlow(flow, engineOptions), input, { record, persist })
}

/** The report of a run whose changes could not be saved: failed, saying why (as the engine says it). */
function markUnsaved(report: ExecutionReport, error: unknown): void {
  report.status = 'failed'
  report.success = false
  report.errors.push({
    nodeId: '',
    message: `Saving the run's changes failed: ${errorMessage(error)}`,
    code: 'store',
  })
}
