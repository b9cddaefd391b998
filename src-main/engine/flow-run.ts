/**
 * The scheduler: one run of one flow. Nodes run in the plan's topological order; each node,
 * when its turn comes, handles every payload that reached it (or, with `join: "all"`, all of
 * them at once), so a node whose inbound edges all stayed inactive is skipped. Plugins follow
 * Tracardi's lifecycle: created once per run, `setUp` once, `run` per payload, `close` always.
 *
 * The common step — a synchronous plugin, one payload, no policy — allocates only its record
 * and reads no clock when the trace is `summary`; the clock is read once at the start and
 * once at the end of such a run.
 */
import { newId } from './ids'
import type {
  ExecutionReport,
  NodeError,
  NodeRunRecord,
  RunStatus,
  TraceLevel,
} from '../../src-shared/engine/report'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type {
  EventRecord,
  PluginAction,
  PortResult,
  ProfileRecord,
  RunResult,
  RunState,
  SessionRecord,
} from '../../src-shared/plugin-sdk'
import { ERROR_PORT } from '../../src-shared/plugin-sdk'
import type { Invocation } from './deliveries'
import type { Deliveries } from './deliveries'
import { checkResults } from './deliveries'
import { RunFrame } from './frame'
import { ShapeCopier } from './shallow-copy'
import type { Engine, RunOptions } from './engine'
import { errorCode, errorMessage, NodeFailure, RunCancelled } from './errors'
import { BeforeImage } from './changes'
import { cloneJson } from './json'
import type { LoadedFlow } from './load'
import { NodeContext, RunScope } from './node-context'
import type { PlanNode, RunPlan, SummaryInput } from './plan'
import { planOf } from './plan'
import { invokeWithPolicy, isThenable, NEVER_ABORTED, untilCancelled } from './policy'
import { addLog, epochAt, isoAt, nodeRecord, round, skippedRecord } from './records'
import { Redactor, secretValues } from './redact'
import type { StartingState } from './run-state'
import type { RunCommit, StateStore } from './state-store'
import { startingState } from './run-state'

/** The events runs take ownership of, copied one level by their key list (shallow-copy.ts). */
const events = new ShapeCopier()
/** The triggers callers give (`{ type: 'cli' }`), likewise. */
const triggers = new ShapeCopier()

/** `state.nodes` until it is built from the frame (nodeOutputs); never handed out. */
const NOT_BUILT: RunState['nodes'] = Object.freeze({}) as RunState['nodes']

export interface ChildRunSetup {
  depth: number
  state: RunState
  input: unknown
  parent: FlowRun
}

type TrackedState = 'event' | 'profile' | 'session'

type Outcome = NodeError | null | Promise<NodeError | null>

/** The state of one run of one flow. */
export class FlowRun {
  readonly state: RunState
  readonly runId: string
  readonly environment: RunEnvironment
  /** The top-level run: it alone hands data out, so it alone redacts. */
  readonly root: FlowRun
  readonly signal: AbortSignal
  /** Whether the caller gave a signal: without one, no check per node reads AbortSignal's getter. */
  private readonly cancellable: boolean
  /** Set once any node of the run (or its subflows) reads a secret: what leaves is then redacted. */
  secretsRead = false
  /**
   * True while the event's fields (properties, context…) are still the caller's objects: the
   * run reads them in place and copies them (ownEvent) before anything could change them or
   * take hold of one. Kept on the top-level run; child runs share its event.
   */
  eventShared = false
  /** Likewise for the profile's entries while they are the store's objects (kept on the top-level run). */
  profileShared = false
  /** While the profile is shared: the store's object, its before-image (StartingState.profileImage). */
  private profileImage: ProfileRecord | null = null
  /** What expressions read; made once the state is loaded. */
  scope!: RunScope
  private readonly plan: RunPlan
  private readonly trace: TraceLevel
  private readonly full: boolean
  private readonly records: NodeRunRecord[] = []
  /** Deliveries, contexts, actions and node outputs; back to the plan's pool when the run ends. */
  private frame: RunFrame | null
  private readonly deliveries: Deliveries
  /** Nodes placed before this in the plan's order have settled. */
  private settledUpTo = 0
  private lateNodeObjects: Record<string, unknown>[] | null = null
  /** The context the nodes of reusable plugins share in this run. */
  private sharedContext: NodeContext | null = null
  /** Whether `state.nodes` has been built from the frame (it then takes every output itself). */
  private nodesBuilt = false
  /** Actions made for this run only, in the order they were created: closed in reverse. */
  private actions: PluginAction[] | null = null
  private sequence = 0
  private result: unknown = undefined
  private resultSet = false
  /** What event, profile and session looked like before the run first changed each (changes.ts); made at the first change. */
  private readonly before: Record<TrackedState, BeforeImage | null> = {
    event: null,
    profile: null,
    session: null,
  }
  /**
   * Trace `full` copies each node's input and outputs. A node's input is usually the value the
   * node before it just sent, unchanged, so the last copy is reused while no plugin code (or
   * promise turn) has run since it was taken.
   */
  private snapshotOf: unknown = undefined
  private snapshotCopy: unknown = undefined
  private snapshotEpoch = -1
  private pluginEpoch = 0
  /** Epoch ms minus performance.now() at the start: node times need one clock read, not two. */
  private epochAtT0 = 0
  /** The run's start as text: every node's start with trace `summary`. */
  private startedAt = ''
  /** What a successful top-level run changed; null until then (and for failed or cancelled runs). */
  commit: RunCommit | null = null
  /**
   * Read once from the caller's options, whose shape varies from caller to caller: a read per
   * node would be a lookup on an object of unknown shape each time.
   */
  private readonly onEvent: RunOptions['onEvent']
  private readonly mocks: RunOptions['mocks']

  constructor(
    readonly engine: Engine,
    readonly loaded: LoadedFlow,
    readonly options: RunOptions,
    private readonly child: ChildRunSetup | null,
  ) {
    this.plan = planOf(loaded)
    this.runId = options.runId ?? newId()
    this.root = child ? child.parent.root : this
    this.environment = child ? child.parent.environment : engine.environmentFor(options)
    this.trace = options.trace ?? 'full'
    this.full = this.trace === 'full'
    this.signal = options.signal ?? NEVER_ABORTED
    this.cancellable = options.signal !== undefined
    this.onEvent = options.onEvent
    this.mocks = options.mocks
    this.frame = RunFrame.take(this.plan)
    this.deliveries = this.frame.deliveries
    this.state = child
      ? child.state
      : {
          event: undefined as unknown as EventRecord,
          profile: undefined as unknown as ProfileRecord,
          session: undefined as unknown as SessionRecord,
          flow: {},
          nodes: NOT_BUILT,
        }
  }

  /**
   * Runs the flow. With a store, a successful run's changes are committed to it before the
   * report is made (a failing commit fails the run); without one they are only kept in `commit`
   * for the caller to persist (Engine.execute).
   */
  async execute(store: Pick<StateStore, 'commit'> | null = null): Promise<ExecutionReport> {
    const t0 = performance.now()
    const startedEpoch = epochAt(t0)
    const startedAt = isoAt(startedEpoch)
    this.startedAt = startedAt
    this.epochAtT0 = startedEpoch - t0
    const onEvent = this.onEvent
    let persistSession = true
    if (!this.child) {
      let starting = startingState(this.engine.store, this.options, startedAt)
      if (starting instanceof Promise) starting = await starting
      persistSession = this.adopt(starting)
    }
    this.scope = new RunScope(this, this.environment)
    onEvent?.({ type: 'runStarted', runId: this.runId, flowId: this.loaded.flow.id, startedAt })

    let status: RunStatus = 'succeeded'
    const errors: ExecutionReport['errors'] = []
    try {
      const order = this.plan.order
      for (let i = 0; i < order.length; i++) {
        if (this.cancellable && this.signal.aborted) throw new RunCancelled()
        const node = order[i]!
        let failure = this.runNode(node)
        if (failure instanceof Promise) {
          failure = await failure
          this.pluginEpoch++
        }
        this.settledUpTo = i + 1
        if (failure) {
          status = 'failed'
          errors.push({ nodeId: failure.nodeId, message: failure.message, code: failure.code })
          break
        }
      }
    } catch (error) {
      if (error instanceof RunCancelled) {
        status = 'cancelled'
        errors.push({ nodeId: '', message: 'The run was cancelled', code: 'cancelled' })
      } else {
        status = 'failed'
        errors.push({ nodeId: '', message: errorMessage(error), code: errorCode(error) })
      }
    } finally {
      const actions = this.actions
      for (let i = actions ? actions.length - 1 : -1; i >= 0; i--) {
        try {
          const closing = actions![i]!.close?.()
          if (closing) await closing
        } catch {
          // A failing close must not hide the run's outcome; the other actions still close.
        }
      }
    }

    const redactor = !this.child && this.secretsRead ? this.redactor() : null
    if (redactor) {
      // A secret copied into the state must not be saved or reported.
      const state = this.state
      state.event = redactor.value(state.event)
      state.profile = redactor.value(state.profile)
      state.session = redactor.value(state.session)
      state.flow = redactor.value(state.flow)
    }

    const before = this.before
    const changes = this.child
      ? { profile: [], session: [], event: [] }
      : {
          profile: before.profile ? before.profile.changes(this.state.profile) : [],
          session: before.session ? before.session.changes(this.state.session) : [],
          event: before.event ? before.event.changes(this.state.event) : [],
        }

    // The run ends here: saving what it changed is not part of its duration (as n8n's stoppedAt
    // is taken before the execution is saved), so one clock read serves both.
    const durationMs = performance.now() - t0
    const finishedAt = isoAt(startedEpoch + durationMs)
    if (status === 'succeeded' && !this.child) {
      if (changes.profile.length > 0) this.state.profile.updatedAt = finishedAt
      if (changes.session.length > 0) this.state.session.updatedAt = finishedAt
      const commit: RunCommit = {
        runId: this.runId,
        flowId: this.loaded.flow.id,
        event: this.state.event,
        profile: this.state.profile,
        session: persistSession || changes.session.length > 0 ? this.state.session : null,
        changes,
      }
      this.commit = commit
      try {
        const committing = store?.commit(commit)
        if (committing) await committing
      } catch (error) {
        this.commit = null
        status = 'failed'
        errors.push({
          nodeId: '',
          message: `Saving the run's changes failed: ${errorMessage(error)}`,
          code: 'store',
        })
      }
    }

    const entry = this.plan.entry
    const report: ExecutionReport = {
      runId: this.runId,
      flowId: this.loaded.flow.id,
      flowVersion: this.options.flowVersion ?? null,
      status,
      success: status === 'succeeded',
      startedAt,
      finishedAt,
      durationMs: round(durationMs),
      trigger: this.options.trigger
        ? this.reportedTrigger(this.options.trigger, entry)
        : this.child
          ? { type: 'subflow', nodeId: entry.id, plugin: entry.pluginId }
          : this.plan.manualTrigger,
      trace: this.trace,
      state: {
        event: this.state.event,
        profile: this.state.profile,
        session: this.state.session,
        flow: this.state.flow,
      },
      changes,
      nodes: this.records,
      edges: this.deliveries.edgeStatuses(this.settledUpTo),
      errors,
    }
    this.releaseFrame()
    if (this.child) report.result = this.resultSet ? this.result : this.state.flow
    const out = redactor ? redactor.value(report) : report
    onEvent?.({ type: 'runFinished', runId: this.runId, report: out })
    return out
  }

  /**
   * `{ ...given, type, nodeId, plugin }`, made by the compiled copier of the given trigger's keys
   * (most callers give `{ type }`): what the spread makes, assigned in the same key order.
   */
  private reportedTrigger(
    given: NonNullable<RunOptions['trigger']>,
    entry: PlanNode,
  ): ExecutionReport['trigger'] {
    const trigger = triggers.copy(given)
    trigger.type = this.child ? 'subflow' : given.type
    trigger.nodeId = entry.id
    trigger.plugin = entry.pluginId
    return trigger as ExecutionReport['trigger']
  }

  private releaseFrame(): void {
    const frame = this.frame
    if (!frame) return
    // A plugin still holding its context after the run (a timed-out one) must not read another
    // run's outputs: it keeps this run's, and its node-level context. Only plugins that are not
    // reusable may hold their context, and only they set per-node entries.
    if (frame.perNodeUsed) {
      this.nodeOutputs()
      this.lateNodeObjects = frame.nodeObjects.slice() as Record<string, unknown>[]
    }
    this.frame = null
    frame.release()
  }

  /** A node's node-level context. Once the run has ended, a plugin that kept its context gets one of its own. */
  nodeObject(nodeIndex: number): Record<string, unknown> {
    const frame = this.frame
    if (frame) return frame.nodeObject(nodeIndex)
    return ((this.lateNodeObjects ??= [])[nodeIndex] ??= {})
  }

  /** `nodes`: what each node sent so far, built at the first read (most runs never read it). */
  nodeOutputs(): RunState['nodes'] {
    if (!this.nodesBuilt) {
      this.state.nodes = this.frame ? this.frame.nodeOutputs() : {}
      this.nodesBuilt = true
    }
    return this.state.nodes
  }

  redactor(): Redactor {
    return new Redactor(secretValues(this.environment.secrets))
  }

  /** A node record as it may leave the engine while the run goes on. */
  private outgoing(record: NodeRunRecord): NodeRunRecord {
    return this.root.secretsRead ? this.redactor().value(record) : record
  }

  private adopt(starting: StartingState): boolean {
    this.state.event = starting.event
    this.eventShared = true
    this.state.profile = starting.profile
    this.state.session = starting.session
    this.profileShared = starting.profileShared
    this.profileImage = starting.profileImage
    return starting.persistSession
  }

  /**
   * Runs every invocation of one node; returns the error that fails the run, if any. Stays
   * synchronous while the plugin does, so a flow of synchronous nodes costs no promise turns.
   */
  private runNode(node: PlanNode): Outcome {
    if (node.isEntry)
      return this.runInvocation(
        node,
        null,
        null,
        this.child ? this.child.input : this.state.event,
        node.summaryInput,
      )
    const single = node.single
    if (single) {
      const count = this.deliveries.count(single.index)
      if (count === 0) return this.skip(node)
      if (count === 1)
        return this.runInvocation(
          node,
          single.targetPort,
          single.id,
          this.deliveries.first(single.index),
          node.summaryInput,
        )
    }
    const invocations = this.deliveries.invocationsFor(node)
    if (invocations.length === 0) return this.skip(node)
    for (let i = 0; i < invocations.length; i++) {
      const invocation = invocations[i]!
      const outcome = this.runInvocation(node, invocation.port, invocation.edgeId, invocation.value)
      if (outcome instanceof Promise) return this.finishNode(node, invocations, i, outcome)
      if (outcome) return outcome
    }
    return null
  }

  private skip(node: PlanNode): null {
    this.records.push(skippedRecord(node, ++this.sequence))
    return null
  }

  private async finishNode(
    node: PlanNode,
    invocations: Invocation[],
    from: number,
    pending: Promise<NodeError | null>,
  ): Promise<NodeError | null> {
    const first = await pending
    if (first) return first
    for (let i = from + 1; i < invocations.length; i++) {
      const invocation = invocations[i]!
      let outcome = this.runInvocation(node, invocation.port, invocation.edgeId, invocation.value)
      if (outcome instanceof Promise) outcome = await outcome
      if (outcome) return outcome
    }
    return null
  }

  private runInvocation(
    node: PlanNode,
    port: string | null,
    edgeId: string | null,
    value: unknown,
    summaryInput: SummaryInput | null = null,
  ): Outcome {
    if (this.cancellable && this.signal.aborted) throw new RunCancelled()
    const sequence = ++this.sequence
    const onEvent = this.onEvent
    onEvent?.({ type: 'nodeStarted', runId: this.runId, nodeId: node.id, sequence })
    const full = this.full
    const started = full ? performance.now() : 0
    const record = full
      ? nodeRecord(node, sequence, isoAt(this.epochAtT0 + started), {
          port,
          value: this.snapshot(value),
          edgeId,
        })
      : nodeRecord(node, sequence, this.startedAt, summaryInput ?? { port, edgeId })
    let produced: RunResult | PortResult[] | Promise<RunResult | PortResult[]>
    try {
      produced = this.produce(node, value, record)
    } catch (error) {
      return this.settle(node, value, record, started, null, error)
    }
    if (produced instanceof Promise) {
      return produced.then(
        (results) => this.settle(node, value, record, started, results, undefined),
        (error: unknown) => this.settle(node, value, record, started, null, error),
      )
    }
    return this.settle(node, value, record, started, produced, undefined)
  }

  /** What the node sends: a mock, the input on every port when disabled, or the plugin's results. */
  private produce(
    node: PlanNode,
    value: unknown,
    record: NodeRunRecord,
  ): RunResult | PortResult[] | Promise<RunResult | PortResult[]> {
    const mocks = this.mocks
    const mock = mocks ? mocks[node.id] : undefined
    if (mock) {
      record.attempts = 1
      addLog(record, {
        level: 'info',
        message: 'Mocked: the node did not run',
        at: record.startedAt!,
      })
      const results = Array.isArray(mock) ? mock : [mock]
      // A mock on the error port stands for the node failing with that error.
      const failure = results.find((r) => r.port === ERROR_PORT)
      if (failure) {
        const error = (failure.value ?? {}) as { message?: unknown; code?: unknown }
        throw new NodeFailure(
          typeof error.code === 'string' ? error.code : 'mocked-error',
          typeof error.message === 'string' ? error.message : 'Mocked error',
        )
      }
      return checkResults(results, node)
    }
    if (node.disabled) {
      record.attempts = 1
      addLog(record, {
        level: 'info',
        message: 'Disabled: the input was passed through',
        at: record.startedAt!,
      })
      const results: PortResult[] = []
      for (const port of node.outputPorts) if (port !== ERROR_PORT) results.push({ port, value })
      return results
    }
    const shared = node.shared
    if (shared) {
      // A reusable plugin hands its context back when run returns: one context serves them all.
      let context = this.sharedContext
      if (!context) context = this.sharedContext = new NodeContext(this, node.id, node.index)
      else context.bind(node.id, node.index)
      return this.invoke(node, shared, context, value, record)
    }
    const frame = this.frame!
    let context = frame.contexts[node.index]
    if (!context) {
      context = new NodeContext(this, node.id, node.index)
      frame.contexts[node.index] = context
      frame.perNodeUsed = true
      context.record = record
      context.payload = value
      const action = node.definition.create()
      frame.actions[node.index] = action
      if (node.definition.reusable && !action.close) {
        if (action.setUp) {
          record.attempts = 1
          const setting = action.setUp(node.config, context)
          // An asynchronous set-up is not shared: the action then lives for this run only.
          if (setting instanceof Promise) {
            ;(this.actions ??= []).push(action)
            const ready = context
            return setting.then(() => this.invoke(node, action, ready, value, record))
          }
        }
        // Shared only once set up: a set-up that throws is tried again by the next run.
        node.shared = action
        return this.invoke(node, action, context, value, record)
      }
      ;(this.actions ??= []).push(action)
      if (action.setUp) {
        record.attempts = 1
        const setting = action.setUp(node.config, context)
        if (setting instanceof Promise) {
          const ready = context
          return setting.then(() => this.invoke(node, action, ready, value, record))
        }
      }
    }
    return this.invoke(node, frame.actions[node.index]!, context, value, record)
  }

  /** The common case — one attempt, no time limit, a synchronous plugin — stays synchronous. */
  private invoke(
    node: PlanNode,
    action: PluginAction,
    context: NodeContext,
    value: unknown,
    record: NodeRunRecord,
  ): RunResult | Promise<RunResult> {
    context.record = record
    if (node.hasPolicy) return invokeWithPolicy(node, action, context, value, this.signal)
    record.attempts = 1
    context.payload = value
    context.payloadCopied = false
    const outcome = action.run(value, context, node.config)
    if (isThenable(outcome))
      return untilCancelled(outcome as Promise<RunResult>, this.signal).then((result) =>
        checkResults(result, node),
      )
    return checkResults(outcome as RunResult, node)
  }

  /** Records the outcome and sends results on; returns the error that fails the run, if any. */
  private settle(
    node: PlanNode,
    input: unknown,
    record: NodeRunRecord,
    started: number,
    results: RunResult | PortResult[] | null,
    error: unknown,
  ): NodeError | null {
    // Plugin code ran since the input was copied: it may have changed anything it holds.
    this.pluginEpoch++
    let failure: NodeError | null = null
    if (results === null) {
      if (error instanceof RunCancelled || this.signal.aborted) throw new RunCancelled()
      failure = { message: errorMessage(error), code: errorCode(error), nodeId: node.id, input }
      record.status = 'error'
      record.error = this.full
        ? { ...failure, input: this.snapshot(input) }
        : { message: failure.message, code: failure.code, nodeId: node.id }
    }
    if (this.full) record.durationMs = round(performance.now() - started)
    if (failure) {
      if (!node.hasErrorEdge) {
        this.finishRecord(record)
        return failure
      }
      this.deliver(node, ERROR_PORT, failure, record)
    } else if (results !== undefined) {
      if (Array.isArray(results)) {
        for (let i = 0; i < results.length; i++)
          this.deliver(node, results[i]!.port, results[i]!.value, record)
      } else {
        const result = results as PortResult
        this.deliver(node, result.port, result.value, record)
      }
    }
    this.finishRecord(record)
    return null
  }

  private finishRecord(record: NodeRunRecord): void {
    this.records.push(record)
    const onEvent = this.onEvent
    if (onEvent) onEvent({ type: 'nodeFinished', runId: this.runId, record: this.outgoing(record) })
  }

  private deliver(node: PlanNode, port: string, value: unknown, record: NodeRunRecord): void {
    if (value === null || value === undefined) return
    const out = port === node.mainPort ? node.mainOut! : node.outPorts.get(port)!
    const outputs = record.outputs
    if (this.full) {
      const output = { port, value: this.snapshot(value) }
      // A list made with its one entry holds one slot (and a record starts with the shared empty one).
      if (outputs.length === 0) record.outputs = [output]
      else outputs.push(output)
    } else if (outputs.length === 0) {
      // With a summary trace a first output is the port's frozen one-entry list: no allocation.
      record.outputs = out.summaryOutputs as NodeRunRecord['outputs']
    } else if (Object.isFrozen(outputs)) {
      record.outputs = [outputs[0]!, { port }]
    } else {
      outputs.push({ port })
    }
    if (this.nodesBuilt) {
      const nodes = this.state.nodes
      let outputs = nodes[node.id]
      if (!outputs) outputs = nodes[node.id] = { outputs: {} }
      outputs.outputs[port] = value
    } else {
      this.frame!.setOutput(out.slot, value)
    }
    if (out.edges) this.deliveries.send(out.edges, value)
  }

  /** A copy of a value for the trace, shared with the last one when it cannot have changed since. */
  private snapshot(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value
    if (value === this.snapshotOf && this.snapshotEpoch === this.pluginEpoch)
      return this.snapshotCopy
    this.snapshotOf = value
    this.snapshotEpoch = this.pluginEpoch
    return (this.snapshotCopy = cloneJson(value))
  }

  setResult(value: unknown): void {
    this.result = value
    this.resultSet = true
  }

  /** Called before event, profile or session is handed out whole; child runs report to their root. */
  touch(kind: TrackedState): void {
    if (this.child) return this.child.parent.touch(kind)
    if (kind === 'event' && this.eventShared) return this.ownEvent()
    if (kind === 'profile' && this.profileShared) return this.ownProfile()
    ;(this.before[kind] ??= new BeforeImage()).noteAll(this.state[kind])
  }

  /** Called before a write or delete at `path` (not empty) of event, profile or session. */
  touchKey(kind: TrackedState, path: readonly string[]): void {
    if (this.child) return this.child.parent.touchKey(kind, path)
    if (kind === 'event' && this.eventShared) return this.ownEvent()
    if (kind === 'profile' && this.profileShared)
      return (this.before.profile ??= new BeforeImage(this.profileImage)).notePathShared(
        this.state.profile,
        path,
      )
    ;(this.before[kind] ??= new BeforeImage()).noteKey(this.state[kind], path[0]!)
  }

  /**
   * Copies the caller's objects inside the event (in place: every holder of the event sees the
   * copies). The caller's objects, never changed, are then the event's before-image.
   */
  ownEvent(): void {
    if (this.child) return this.child.parent.ownEvent()
    if (!this.eventShared) return
    this.eventShared = false
    const event = this.state.event
    ;(this.before.event ??= new BeforeImage()).adopt(events.copy(event))
    for (const key of Object.keys(event)) {
      const value = event[key]
      if (value !== null && typeof value === 'object') event[key] = cloneJson(value)
    }
  }

  /** Copies the store's objects inside the profile (in place), before one could be handed out. */
  ownProfile(): void {
    if (this.child) return this.child.parent.ownProfile()
    if (!this.profileShared) return
    this.profileShared = false
    ;(this.before.profile ??= new BeforeImage(this.profileImage)).ownShared(this.state.profile)
  }

  depth(): number {
    return this.child ? this.child.depth : 0
  }
}
