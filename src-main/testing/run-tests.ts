/** Runs a flow's test cases, each in isolation: its own profile, session and mocks. */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { EngineEvent } from '../../src-shared/engine/report'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import type { LoadedFlow, PluginSource } from '../engine/load'
import { FlowLoadError, loadFlow } from '../engine/load'
import { Engine } from '../engine/runner'
import { MemoryStateStore } from '../engine/state-store'
import type { CoverageRecorder } from './coverage'
import type { CaseResult } from './expectations'
import { checkExpectations } from './expectations'

export interface SuiteResult {
  flowId: string
  flowName: string
  passed: number
  failed: number
  durationMs: number
  cases: CaseResult[]
  /** Set when the flow itself cannot run (invalid): every case fails with it. */
  error?: string
}

export interface RunTestsOptions {
  plugins: PluginSource
  resolveFlow?: (flowId: string) => Flow | undefined | Promise<Flow | undefined>
  signal?: AbortSignal
  /** Called after each case, for progress bars. */
  onCase?: (result: CaseResult, done: number, total: number) => void
  /** Called before each case runs. */
  onCaseStart?: (index: number, name: string) => void
  /** The engine's lifecycle events of each case's run (nodes starting and finishing). */
  onEvent?: (index: number, event: EngineEvent) => void
  /** Keep each case's report (the UI paints it); the CLI drops them to save memory. */
  keepReports?: boolean
  only?: number[]
  /** The environment cases run in (each case may lay fake secrets and variables over it). */
  environment?: RunEnvironment | (() => RunEnvironment)
  /** Counts every case's run (and the subflows it starts) toward flow coverage. */
  coverage?: CoverageRecorder
}

export async function runTestCase(
  engine: Engine,
  loaded: LoadedFlow,
  testCase: TestCase,
  index: number,
  signal?: AbortSignal,
  coverage?: CoverageRecorder,
  onEvent?: (event: EngineEvent) => void,
): Promise<CaseResult> {
  const started = performance.now()
  const name = caseName(testCase, index)
  try {
    const report = await engine.run(loaded, {
      event: testCase.event,
      profile: testCase.profile,
      session: testCase.session,
      mocks: testCase.mocks,
      testing: true,
      trace: 'full',
      signal,
      trigger: { type: 'test', testCase: name },
      onEvent,
      onSubflowReport: coverage ? (child) => coverage.record(child) : undefined,
      environment:
        testCase.secrets || testCase.vars
          ? { secrets: testCase.secrets, vars: testCase.vars }
          : undefined,
    })
    coverage?.record(report)
    const unmet = checkExpectations(testCase.expect, report)
    return {
      name,
      index,
      passed: unmet.length === 0,
      durationMs: performance.now() - started,
      unmet,
      report,
    }
  } catch (error) {
    return {
      name,
      index,
      passed: false,
      durationMs: performance.now() - started,
      unmet: [],
      report: null,
      error: (error as Error).message,
    }
  }
}

function caseName(testCase: TestCase, index: number): string {
  return typeof testCase.name === 'string' && testCase.name ? testCase.name : `Case ${index + 1}`
}

export async function runTests(
  flow: Flow,
  cases: TestCase[],
  options: RunTestsOptions,
): Promise<SuiteResult> {
  const started = performance.now()
  const suite: SuiteResult = {
    flowId: String(flow.id),
    flowName: String(flow.name ?? flow.id),
    passed: 0,
    failed: 0,
    durationMs: 0,
    cases: [],
  }
  const { coverage } = options
  const resolveFlow = coverage ? coverage.resolving(options.resolveFlow) : options.resolveFlow
  // Loaded once for every case; each case gets its own engine (and store) below.
  let loaded: LoadedFlow
  try {
    loaded = loadFlow(flow, options.plugins)
  } catch (error) {
    const message = error instanceof FlowLoadError ? error.message : (error as Error).message
    suite.error = message
    cases.forEach((c, index) =>
      suite.cases.push({
        name: c.name ?? `Case ${index + 1}`,
        index,
        passed: false,
        durationMs: 0,
        unmet: [],
        report: null,
        error: message,
      }),
    )
    suite.failed = cases.length
    return suite
  }
  coverage?.addFlow(flow)
  const selected = options.only
    ? options.only.filter((i) => i >= 0 && i < cases.length)
    : cases.map((_, i) => i)
  let done = 0
  for (const index of selected) {
    if (options.signal?.aborted) break
    // A fresh store per case: cases never see each other's profiles.
    const caseEngine = new Engine({
      plugins: options.plugins,
      store: new MemoryStateStore(),
      resolveFlow,
      environment: options.environment,
    })
    options.onCaseStart?.(index, caseName(cases[index]!, index))
    const onEvent = options.onEvent
    const result = await runTestCase(
      caseEngine,
      loaded,
      cases[index]!,
      index,
      options.signal,
      coverage,
      onEvent && ((event) => onEvent(index, event)),
    )
    if (!options.keepReports) result.report = null
    suite.cases.push(result)
    if (result.passed) suite.passed++
    else suite.failed++
    options.onCase?.(result, ++done, selected.length)
    // Let other work (API calls, progress polls) in between cases.
    if (done % 25 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  suite.durationMs = performance.now() - started
  return suite
}
