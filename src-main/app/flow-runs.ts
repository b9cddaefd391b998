/**
 * "Run this flow once": the one home of the use case the app's API and the CLI both perform —
 * build an engine over the given plugins, state and environment, load the flow (a flow with
 * errors throws FlowLoadError with its problems), run the event, and hand the report to
 * whoever records runs. Callers parse their input and format the output; nothing more.
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { LoadedFlow } from '../engine/load'
import type { EngineOptions, RunOptions } from '../engine/runner'
import { Engine } from '../engine/runner'

export interface PreparedFlow {
  engine: Engine
  loaded: LoadedFlow
}

/** An engine with the flow loaded, for callers that run many events (`run --events`). */
export function prepareFlow(flow: unknown, options: EngineOptions): PreparedFlow {
  const engine = new Engine(options)
  return { engine, loaded: engine.load(flow) }
}

export interface RunOnceOptions extends EngineOptions {
  /** Saves the report (the store's run history); called before the report is returned. */
  record?: (report: ExecutionReport) => void
}

export async function runFlowOnce(
  flow: unknown,
  input: RunOptions,
  options: RunOnceOptions,
): Promise<ExecutionReport> {
  const { record, ...engineOptions } = options
  const { engine, loaded } = prepareFlow(flow, engineOptions)
  const report = await engine.run(loaded, input)
  record?.(report)
  return report
}
