/**
 * The engine (design §4): loads flows, runs events through them and runs subflows. A run
 * itself is the scheduler's (flow-run.ts); this file holds what lives longer than one run.
 */
import type { EngineEvent, ExecutionReport, TraceLevel } from '../../src-shared/engine/report'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import type { Flow, MockOutput } from '../../src-shared/flow/types'
import type { RunState, SubflowOptions, SubflowOutcome } from '../../src-shared/plugin-sdk'
import { NodeFailure } from './errors'
import { FlowRun } from './flow-run'
import { cloneJson } from './json'
import type { LoadedFlow, PluginSource } from './load'
import { loadFlow } from './load'
import type { RunCommit, StateStore } from './state-store'
import { ShapeCopier } from './shallow-copy'
import { MemoryStateStore } from './state-store'

export const DEFAULT_MAX_SUBFLOW_DEPTH = 8

/** The options subflow runs inherit, copied by their key list (shallow-copy.ts). */
const runOptions = new ShapeCopier()

export interface EngineOptions {
  plugins: PluginSource
  store?: StateStore
  /** Finds the flows that `flow.subflow` names. */
  resolveFlow?: (flowId: string) => Flow | undefined | Promise<Flow | undefined>
  maxSubflowDepth?: number
  /** The variables and secrets runs read; a function is asked at the start of every run. */
  environment?: RunEnvironment | (() => RunEnvironment)
}

export interface RunOptions {
  event?: unknown
  /** A starting profile, used instead of the stored one. */
  profile?: unknown
  session?: unknown
  trace?: TraceLevel
  signal?: AbortSignal
  /** Pinned outputs: a mocked node does not run; its mock is sent on the named port. */
  mocks?: Record<string, MockOutput | MockOutput[]>
  testing?: boolean
  trigger?: { type: string; [detail: string]: unknown }
  flowVersion?: number | null
  runId?: string
  onEvent?: (event: EngineEvent) => void
  /**
   * The report of every subflow this run starts, at any depth (children inherit it). Their
   * records are not in the parent's report; flow coverage counts them toward the child flow.
   */
  onSubflowReport?: (report: ExecutionReport) => void
  /** Values laid over the engine's environment for this run (test cases give fake secrets). */
  environment?: { vars?: Record<string, unknown>; secrets?: Record<string, Record<string, string>> }
}

/** A run's report and what it changed, for the caller to persist (null: nothing to save). */
export interface ExecutedRun {
  report: ExecutionReport
  commit: RunCommit | null
}

export class Engine {
  readonly plugins: PluginSource
  readonly store: StateStore
  private readonly resolveFlow?: EngineOptions['resolveFlow']
  private readonly maxDepth: number
  private readonly loadedChildren = new WeakMap<Flow, LoadedFlow>()
  private readonly environment: EngineOptions['environment']
  private noEnvironment: RunEnvironment | null = null

  constructor(options: EngineOptions) {
    this.environment = options.environment
    this.plugins = options.plugins
    this.store = options.store ?? new MemoryStateStore()
    this.resolveFlow = options.resolveFlow
    this.maxDepth = options.maxSubflowDepth ?? DEFAULT_MAX_SUBFLOW_DEPTH
  }

  load(flow: unknown): LoadedFlow {
    return loadFlow(flow, this.plugins)
  }

  /**
   * Runs one event through a loaded flow and commits what it changed to the engine's store;
   * returns the report. Never throws for flow failures. A failing commit fails the run.
   */
  run(loaded: LoadedFlow, options: RunOptions = {}): Promise<ExecutionReport> {
    try {
      return new FlowRun(this, loaded, options, null).execute(this.store)
    } catch (error) {
      // Like an async function: a bad option rejects rather than throws.
      return Promise.reject(error)
    }
  }

  /**
   * Runs one event through a loaded flow and returns its report with what it changed, without
   * saving anything (n8n's WorkflowExecute returns the run; its hooks persist it). The commit is
   * null when the run failed or was cancelled. The store is still read for the starting state.
   */
  async execute(loaded: LoadedFlow, options: RunOptions = {}): Promise<ExecutedRun> {
    const run = new FlowRun(this, loaded, options, null)
    const report = await run.execute(null)
    return { report, commit: run.commit }
  }

  /** @internal the environment one run reads: the engine's, with the run's own values laid over. */
  environmentFor(options: RunOptions): RunEnvironment {
    // Runs only read the environment: an engine without one gives all its runs the same empty one.
    const base =
      typeof this.environment === 'function'
        ? this.environment()
        : (this.environment ?? (this.noEnvironment ??= emptyEnvironment()))
    const own = options.environment
    if (!own) return base
    return {
      name: base.name,
      vars: { ...base.vars, ...own.vars },
      secrets: { ...base.secrets, ...own.secrets },
    }
  }

  /** @internal used by FlowRun for `flow.subflow`. */
  async runChild(
    flowId: string,
    parent: FlowRun,
    options: SubflowOptions,
    depth: number,
  ): Promise<SubflowOutcome> {
    if (depth > this.maxDepth) {
      throw new NodeFailure(
        'subflow-depth',
        `Subflows nest deeper than ${this.maxDepth} levels (runaway recursion?)`,
      )
    }
    if (!this.resolveFlow)
      throw new NodeFailure(
        'unknown-flow',
        `Cannot run subflow "${flowId}": no flows are available here`,
      )
    const flow = await this.resolveFlow(flowId)
    if (!flow) throw new NodeFailure('unknown-flow', `Subflow "${flowId}" was not found`)
    let loaded = this.loadedChildren.get(flow)
    if (!loaded) {
      try {
        loaded = this.load(flow)
      } catch (error) {
        throw new NodeFailure(
          'invalid-subflow',
          `Subflow "${flowId}" cannot run: ${(error as Error).message}`,
        )
      }
      this.loadedChildren.set(flow, loaded)
    }
    const state: RunState = {
      event: parent.state.event,
      profile: parent.state.profile,
      session: parent.state.session,
      flow: options.inheritContext ? cloneJson(parent.state.flow) : {},
      nodes: {},
    }
    // `{ ...parent.options, runId: undefined, onEvent: undefined }`: a spread with properties
    // after it takes V8 11's slowest path (~1 µs); a compiled copy and two assignments give the same.
    const childOptions = runOptions.copy(parent.options as Record<string, unknown>) as RunOptions
    childOptions.runId = undefined
    childOptions.onEvent = undefined
    const child = new FlowRun(this, loaded, childOptions, {
      depth,
      state,
      input: options.input,
      parent,
    })
    const report = await child.execute()
    parent.options.onSubflowReport?.(report)
    return { status: report.status, result: report.result, errors: report.errors }
  }
}
