/**
 * The engine (design §4). Nodes run in topological order; each node, when its turn comes,
 * handles every payload that reached it (or, with `join: "all"`, all of them at once), so a
 * node whose inbound edges all stayed inactive is skipped. Plugins follow Tracardi's
 * lifecycle: created once per run, `setUp` once, `run` per payload, `close` always.
 */
import { randomUUID } from 'node:crypto'
import type { Scope } from '../../src-shared/expr'
import { deletePath, parseRef, readPath, writePath } from '../../src-shared/expr'
import type {
  EdgeStatus,
  EngineEvent,
  ExecutionReport,
  LogEntry,
  NodeError,
  NodeRunRecord,
  RunStatus,
  TraceLevel,
} from '../../src-shared/engine/report'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import type { Flow, MockOutput } from '../../src-shared/flow/types'
import type {
  EventRecord,
  LogLevel,
  PluginAction,
  PluginContext,
  PortResult,
  ProfileRecord,
  RunResult,
  RunState,
  SessionRecord,
  SubflowOptions,
  SubflowOutcome,
} from '../../src-shared/plugin-sdk'
import { ERROR_PORT } from '../../src-shared/plugin-sdk'
import { cloneJson, diffJson } from './json'
import type { LoadedFlow, LoadedNode, PluginSource } from './load'
import { loadFlow } from './load'
import { Redactor, secretValues } from './redact'
import type { StateStore } from './state-store'
import { MemoryStateStore } from './state-store'

export const DEFAULT_MAX_SUBFLOW_DEPTH = 8

/** Bad input to a run (not a flow failure): the CLI maps it to exit code 2. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunInputError'
  }
}

/** An error with a stable code, thrown by plugins and the engine. */
export class NodeFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'NodeFailure'
  }
}

class RunCancelled extends Error {
  constructor() {
    super('The run was cancelled')
  }
}

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

interface Delivery {
  seq: number
  value: unknown
}

interface Invocation {
  port: string | null
  edgeId: string | null
  value: unknown
}

interface ChildRunSetup {
  depth: number
  state: RunState
  input: unknown
  parent: FlowRun
}

const NEVER_ABORTED = new AbortController().signal

type TrackedState = 'event' | 'profile' | 'session'

/** A node's action and context, created at its first invocation in a run. */
interface ActionSlot {
  context: NodeContext | null
  action: PluginAction | null
}

export class Engine {
  readonly plugins: PluginSource
  readonly store: StateStore
  private readonly resolveFlow?: EngineOptions['resolveFlow']
  private readonly maxDepth: number
  private readonly loadedChildren = new WeakMap<Flow, LoadedFlow>()
  private readonly environment: EngineOptions['environment']

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

  /** Runs one event through a loaded flow and returns its report. Never throws for flow failures. */
  async run(loaded: LoadedFlow, options: RunOptions = {}): Promise<ExecutionReport> {
    return new FlowRun(this, loaded, options, null).execute()
  }

  /** @internal the environment one run reads: the engine's, with the run's own values laid over. */
  environmentFor(options: RunOptions): RunEnvironment {
    const base = typeof this.environment === 'function' ? this.environment() : (this.environment ?? emptyEnvironment())
    const own = options.environment
    if (!own) return base
    return { name: base.name, vars: { ...base.vars, ...own.vars }, secrets: { ...base.secrets, ...own.secrets } }
  }

  /** @internal used by FlowRun for `flow.subflow`. */
  async runChild(flowId: string, parent: FlowRun, options: SubflowOptions, depth: number): Promise<SubflowOutcome> {
    if (depth > this.maxDepth) {
      throw new NodeFailure('subflow-depth', `Subflows nest deeper than ${this.maxDepth} levels (runaway recursion?)`)
    }
    if (!this.resolveFlow) throw new NodeFailure('unknown-flow', `Cannot run subflow "${flowId}": no flows are available here`)
    const flow = await this.resolveFlow(flowId)
    if (!flow) throw new NodeFailure('unknown-flow', `Subflow "${flowId}" was not found`)
    let loaded = this.loadedChildren.get(flow)
    if (!loaded) {
      try {
        loaded = this.load(flow)
      } catch (error) {
        throw new NodeFailure('invalid-subflow', `Subflow "${flowId}" cannot run: ${(error as Error).message}`)
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
    const child = new FlowRun(this, loaded, { ...parent.options, runId: undefined, onEvent: undefined }, {
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw new RunInputError(`The event's "${name}" must be a string`)
  return value
}

export function normalizeEvent(input: unknown, now: string): EventRecord {
  if (input === undefined || input === null) input = {}
  if (!isPlainObject(input)) throw new RunInputError('The event must be a JSON object')
  const properties = input.properties ?? {}
  if (!isPlainObject(properties)) throw new RunInputError('The event\'s "properties" must be an object')
  const context = input.context ?? {}
  if (!isPlainObject(context)) throw new RunInputError('The event\'s "context" must be an object')
  const event: EventRecord = {
    id: optionalString(input.id, 'id') ?? randomUUID(),
    type: optionalString(input.type, 'type') ?? 'manual',
    source: optionalString(input.source, 'source') ?? 'flowbench',
    time: optionalString(input.time, 'time') ?? now,
    properties,
    context,
    profileId: optionalString(input.profileId, 'profileId'),
    sessionId: optionalString(input.sessionId, 'sessionId'),
  }
  // Extra event fields (tags, metadata…) are kept as they are.
  for (const key in input) if (!Object.hasOwn(event, key) && Object.hasOwn(input, key)) event[key] = input[key]
  return event
}

export function normalizeProfile(input: unknown, fallbackId: string, now: string): ProfileRecord {
  if (!isPlainObject(input)) throw new RunInputError('The profile must be a JSON object')
  const segments = input.segments ?? []
  if (!Array.isArray(segments) || segments.some((s) => typeof s !== 'string')) {
    throw new RunInputError('The profile\'s "segments" must be a list of strings')
  }
  for (const key of ['traits', 'interests', 'consents'] as const) {
    if (input[key] !== undefined && !isPlainObject(input[key])) throw new RunInputError(`The profile's "${key}" must be an object`)
  }
  return {
    ...input,
    id: optionalString(input.id, 'profile id') ?? fallbackId,
    traits: (input.traits as Record<string, unknown>) ?? {},
    segments: segments as string[],
    interests: (input.interests as Record<string, unknown>) ?? {},
    consents: (input.consents as Record<string, unknown>) ?? {},
    createdAt: optionalString(input.createdAt, 'profile createdAt') ?? now,
    updatedAt: optionalString(input.updatedAt, 'profile updatedAt') ?? now,
  }
}

export function normalizeSession(input: unknown, fallbackId: string, profileId: string, now: string): SessionRecord {
  if (!isPlainObject(input)) throw new RunInputError('The session must be a JSON object')
  const context = input.context ?? {}
  if (!isPlainObject(context)) throw new RunInputError('The session\'s "context" must be an object')
  return {
    ...input,
    id: optionalString(input.id, 'session id') ?? fallbackId,
    profileId: optionalString(input.profileId, 'session profileId') ?? profileId,
    context,
    createdAt: optionalString(input.createdAt, 'session createdAt') ?? now,
    updatedAt: optionalString(input.updatedAt, 'session updatedAt') ?? now,
  }
}

function normalizeResults(result: RunResult, node: LoadedNode): PortResult[] {
  if (result === undefined || result === null) return []
  const list = Array.isArray(result) ? result : [result]
  for (const item of list) {
    if (!isPlainObject(item) || typeof item.port !== 'string') {
      throw new NodeFailure('invalid-result', `Plugin ${node.definition.id} returned something that is not { port, value }`)
    }
    if (item.port === ERROR_PORT || !node.outputPorts.has(item.port)) {
      throw new NodeFailure('unknown-port', `Plugin ${node.definition.id} sent a value on port "${item.port}", which node "${node.id}" does not have`)
    }
  }
  return list
}

function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code
  }
  return 'error'
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : JSON.stringify(error)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled())
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new RunCancelled())
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** The state of one run of one flow. */
class FlowRun {
  readonly state: RunState
  readonly runId: string
  readonly environment: RunEnvironment
  /** The top-level run: it alone hands data out, so it alone redacts. */
  readonly root: FlowRun
  /** Set once any node of the run (or its subflows) reads a secret: what leaves is then redacted. */
  secretsRead = false
  private readonly trace: TraceLevel
  private readonly signal: AbortSignal
  private readonly records: NodeRunRecord[] = []
  private readonly deliveries: (Delivery[] | undefined)[]
  private readonly settled: boolean[]
  private readonly actions: PluginAction[] = []
  private deliverySeq = 0
  private sequence = 0
  private result: unknown = undefined
  private resultSet = false
  /**
   * Copies of event, profile and session taken just before the run first writes to each (or
   * hands it to a plugin), to report what changed. What nobody touched needs no copy or diff.
   */
  private readonly before: Partial<Record<TrackedState, unknown>> = {}
  /** Epoch ms minus performance.now() at the start: node times need one clock read, not two. */
  private epochAtT0 = 0

  constructor(
    readonly engine: Engine,
    readonly loaded: LoadedFlow,
    readonly options: RunOptions,
    private readonly child: ChildRunSetup | null,
  ) {
    this.runId = options.runId ?? randomUUID()
    this.root = child ? child.parent.root : this
    this.environment = child ? child.parent.environment : engine.environmentFor(options)
    this.trace = options.trace ?? 'full'
    this.signal = options.signal ?? NEVER_ABORTED
    this.deliveries = new Array(loaded.edges.length)
    this.settled = new Array(loaded.order.length).fill(false)
    this.state = child
      ? child.state
      : { event: undefined as unknown as EventRecord, profile: undefined as unknown as ProfileRecord, session: undefined as unknown as SessionRecord, flow: {}, nodes: {} }
  }

  async execute(): Promise<ExecutionReport> {
    const startedEpoch = Date.now()
    const startedAt = isoAt(startedEpoch)
    const t0 = performance.now()
    this.epochAtT0 = startedEpoch - t0
    const onEvent = this.options.onEvent
    let persistSession = true
    if (!this.child) persistSession = await this.prepareState(startedAt)
    onEvent?.({ type: 'runStarted', runId: this.runId, flowId: this.loaded.flow.id, startedAt })


    let status: RunStatus = 'succeeded'
    const errors: ExecutionReport['errors'] = []
    try {
      for (const node of this.loaded.order) {
        if (this.signal.aborted) throw new RunCancelled()
        let failure = this.runNode(node)
        if (failure instanceof Promise) failure = await failure
        this.settled[node.index] = true
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
      for (let i = this.actions.length - 1; i >= 0; i--) {
        try {
          const closing = this.actions[i]!.close?.()
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
          profile: before.profile ? diffJson(before.profile, this.state.profile) : [],
          session: before.session ? diffJson(before.session, this.state.session) : [],
          event: before.event ? diffJson(before.event, this.state.event) : [],
        }

    if (status === 'succeeded' && !this.child) {
      const now = isoNow()
      if (changes.profile.length > 0) this.state.profile.updatedAt = now
      if (changes.session.length > 0) this.state.session.updatedAt = now
      try {
        const committing = this.engine.store.commit({
          runId: this.runId,
          flowId: this.loaded.flow.id,
          event: this.state.event,
          profile: this.state.profile,
          session: persistSession || changes.session.length > 0 ? this.state.session : null,
          changes,
        })
        if (committing) await committing
      } catch (error) {
        status = 'failed'
        errors.push({ nodeId: '', message: `Saving the run's changes failed: ${errorMessage(error)}`, code: 'store' })
      }
    }

    const edges: Record<string, EdgeStatus> = {}
    for (const edge of this.loaded.edges) {
      const delivered = this.deliveries[edge.index]
      if (delivered && delivered.length > 0) edges[edge.id] = 'active'
      else edges[edge.id] = this.settled[edge.sourceIndex] ? 'inactive' : 'unreached'
    }

    const durationMs = performance.now() - t0
    const report: ExecutionReport = {
      runId: this.runId,
      flowId: this.loaded.flow.id,
      flowVersion: this.options.flowVersion ?? null,
      status,
      success: status === 'succeeded',
      startedAt,
      finishedAt: isoAt(startedEpoch + durationMs),
      durationMs: round(durationMs),
      trigger: this.options.trigger
        ? { ...this.options.trigger, type: this.child ? 'subflow' : this.options.trigger.type, nodeId: this.loaded.entry.id, plugin: this.loaded.entry.definition.id }
        : { type: this.child ? 'subflow' : 'manual', nodeId: this.loaded.entry.id, plugin: this.loaded.entry.definition.id },
      trace: this.trace,
      state: { event: this.state.event, profile: this.state.profile, session: this.state.session, flow: this.state.flow },
      changes,
      nodes: this.records,
      edges,
      errors,
    }
    if (this.child) report.result = this.resultSet ? this.result : this.state.flow
    const out = redactor ? redactor.value(report) : report
    onEvent?.({ type: 'runFinished', runId: this.runId, report: out })
    return out
  }

  redactor(): Redactor {
    return new Redactor(secretValues(this.environment.secrets))
  }

  /** A node record as it may leave the engine while the run goes on. */
  private outgoing(record: NodeRunRecord): NodeRunRecord {
    return this.root.secretsRead ? this.redactor().value(record) : record
  }

  /** Loads profile and session; returns whether the session should be saved even if unchanged. */
  private async prepareState(now: string): Promise<boolean> {
    const { store } = this.engine
    // Runs change their state in place; the caller's event, profile and session stay as given.
    const event = normalizeEvent(cloneJson(this.options.event), now)
    let session: SessionRecord | null = null
    let profile: ProfileRecord | null = null
    if (this.options.session !== undefined) {
      session = normalizeSession(cloneJson(this.options.session), event.sessionId ?? randomUUID(), event.profileId ?? '', now)
    } else if (event.sessionId) {
      const loading = store.loadSession(event.sessionId)
      session = loading instanceof Promise ? await loading : loading
    }
    if (this.options.profile !== undefined) {
      profile = normalizeProfile(cloneJson(this.options.profile), event.profileId ?? session?.profileId ?? randomUUID(), now)
    } else {
      const profileId = event.profileId ?? (session?.profileId || null)
      if (profileId) {
        const loading = store.loadProfile(profileId)
        profile = loading instanceof Promise ? await loading : loading
      }
      if (!profile) profile = normalizeProfile({}, profileId ?? randomUUID(), now)
    }
    event.profileId = profile.id
    let persistSession = true
    if (!session) {
      persistSession = event.sessionId !== null
      session = normalizeSession({}, event.sessionId ?? randomUUID(), profile.id, now)
    } else if (!session.profileId) {
      session.profileId = profile.id
    }
    this.state.event = event
    this.state.profile = profile
    this.state.session = session
    return persistSession
  }

  /**
   * Runs every invocation of one node; returns the error that fails the run, if any. Stays
   * synchronous while the plugin does, so a flow of synchronous nodes costs no promise turns.
   */
  private runNode(node: LoadedNode): NodeError | null | Promise<NodeError | null> {
    const invocations = this.invocationsFor(node)
    if (invocations.length === 0) {
      this.records.push(this.skippedRecord(node))
      return null
    }
    const slot: ActionSlot = { context: null, action: null }
    for (let i = 0; i < invocations.length; i++) {
      const outcome = this.runInvocation(node, invocations[i]!, slot)
      if (outcome instanceof Promise) return this.finishNode(node, invocations, i, outcome, slot)
      if (outcome) return outcome
    }
    return null
  }

  private async finishNode(node: LoadedNode, invocations: Invocation[], from: number, pending: Promise<NodeError | null>, slot: ActionSlot): Promise<NodeError | null> {
    const first = await pending
    if (first) return first
    for (let i = from + 1; i < invocations.length; i++) {
      let outcome = this.runInvocation(node, invocations[i]!, slot)
      if (outcome instanceof Promise) outcome = await outcome
      if (outcome) return outcome
    }
    return null
  }

  private runInvocation(node: LoadedNode, invocation: Invocation, slot: ActionSlot): NodeError | null | Promise<NodeError | null> {
    if (this.signal.aborted) throw new RunCancelled()
    const sequence = ++this.sequence
    this.options.onEvent?.({ type: 'nodeStarted', runId: this.runId, nodeId: node.id, sequence })
    const started = performance.now()
    const record: NodeRunRecord = {
      nodeId: node.id,
      plugin: node.definition.id,
      label: node.node.label ?? null,
      status: 'ok',
      sequence,
      attempts: 0,
      startedAt: isoAt(this.epochAtT0 + started),
      durationMs: 0,
      input:
        this.trace === 'full'
          ? { port: invocation.port, value: cloneJson(invocation.value), edgeId: invocation.edgeId }
          : { port: invocation.port, edgeId: invocation.edgeId },
      outputs: [],
      logs: [],
      error: null,
    }
    let produced: PortResult[] | Promise<PortResult[]>
    try {
      produced = this.produce(node, invocation, record, slot)
    } catch (error) {
      return this.settle(node, invocation, record, started, null, error)
    }
    if (produced instanceof Promise) {
      return produced.then(
        (results) => this.settle(node, invocation, record, started, results, undefined),
        (error: unknown) => this.settle(node, invocation, record, started, null, error),
      )
    }
    return this.settle(node, invocation, record, started, produced, undefined)
  }

  /** What the node sends: a mock, the input on every port when disabled, or the plugin's results. */
  private produce(node: LoadedNode, invocation: Invocation, record: NodeRunRecord, slot: ActionSlot): PortResult[] | Promise<PortResult[]> {
    const mock = this.options.mocks?.[node.id]
    if (mock) {
      record.attempts = 1
      record.logs.push({ level: 'info', message: 'Mocked: the node did not run', at: record.startedAt! })
      const results = Array.isArray(mock) ? mock : [mock]
      // A mock on the error port stands for the node failing with that error.
      const failure = results.find((r) => r.port === ERROR_PORT)
      if (failure) {
        const value = (failure.value ?? {}) as { message?: unknown; code?: unknown }
        throw new NodeFailure(typeof value.code === 'string' ? value.code : 'mocked-error', typeof value.message === 'string' ? value.message : 'Mocked error')
      }
      return normalizeResults(results, node)
    }
    if (node.node.disabled) {
      record.attempts = 1
      record.logs.push({ level: 'info', message: 'Disabled: the input was passed through', at: record.startedAt! })
      const results: PortResult[] = []
      for (const port of node.outputPorts) if (port !== ERROR_PORT) results.push({ port, value: invocation.value })
      return results
    }
    if (!slot.context) {
      const context = new NodeContext(this, node)
      context.record = record
      context.payload = invocation.value
      const action = node.definition.create()
      this.actions.push(action)
      slot.context = context
      slot.action = action
      if (action.setUp) {
        record.attempts = 1
        const setting = action.setUp(node.node.config, context)
        if (setting instanceof Promise) return setting.then(() => this.invoke(node, action, context, invocation, record))
      }
    }
    return this.invoke(node, slot.action!, slot.context, invocation, record)
  }

  /** Records the outcome and sends results on; returns the error that fails the run, if any. */
  private settle(node: LoadedNode, invocation: Invocation, record: NodeRunRecord, started: number, results: PortResult[] | null, error: unknown): NodeError | null {
    let failure: NodeError | null = null
    if (results === null) {
      if (error instanceof RunCancelled || this.signal.aborted) throw new RunCancelled()
      failure = { message: errorMessage(error), code: errorCode(error), nodeId: node.id, input: invocation.value }
      record.status = 'error'
      record.error = this.trace === 'full' ? { ...failure, input: cloneJson(invocation.value) } : { message: failure.message, code: failure.code, nodeId: node.id }
    }
    record.durationMs = round(performance.now() - started)
    if (failure) {
      if (!node.hasErrorEdge) {
        this.records.push(record)
        this.options.onEvent?.({ type: 'nodeFinished', runId: this.runId, record: this.outgoing(record) })
        return failure
      }
      this.deliver(node, { port: ERROR_PORT, value: failure }, record)
    } else {
      for (const result of results!) this.deliver(node, result, record)
    }
    this.records.push(record)
    this.options.onEvent?.({ type: 'nodeFinished', runId: this.runId, record: this.outgoing(record) })
    return null
  }

  private invocationsFor(node: LoadedNode): Invocation[] {
    if (node === this.loaded.entry) {
      const value = this.child ? this.child.input : this.state.event
      return [{ port: null, edgeId: null, value }]
    }
    // One inbound edge, one payload: the common chain step, without the bookkeeping below.
    if (node.inEdges.length === 1 && node.join === 'each') {
      const edge = node.inEdges[0]!
      const delivered = this.deliveries[edge.index]
      if (!delivered) return []
      if (delivered.length === 1) return [{ port: edge.targetPort, edgeId: edge.id, value: delivered[0]!.value }]
    }
    const arrived: (Delivery & { edgeId: string; port: string; source: string })[] = []
    let edgesWithDeliveries = 0
    for (const edge of node.inEdges) {
      const delivered = this.deliveries[edge.index]
      if (!delivered || delivered.length === 0) continue
      edgesWithDeliveries++
      for (const d of delivered) arrived.push({ seq: d.seq, value: d.value, edgeId: edge.id, port: edge.targetPort, source: edge.source })
    }
    if (arrived.length === 0) return []
    if (edgesWithDeliveries > 1) arrived.sort((a, b) => a.seq - b.seq)
    if (node.join === 'all') {
      const joined: Record<string, unknown> = {}
      const counts = new Map<string, number>()
      for (const a of arrived) counts.set(a.source, (counts.get(a.source) ?? 0) + 1)
      for (const a of arrived) {
        if (counts.get(a.source)! > 1) ((joined[a.source] as unknown[] | undefined) ?? (joined[a.source] = [] as unknown[]) as unknown[]).push(a.value)
        else joined[a.source] = a.value
      }
      return [{ port: node.definition.inputs[0] ?? 'payload', edgeId: null, value: joined }]
    }
    return arrived.map((a) => ({ port: a.port, edgeId: a.edgeId, value: a.value }))
  }

  /** The common case — one attempt, no time limit, a synchronous plugin — stays synchronous. */
  private invoke(
    node: LoadedNode,
    action: PluginAction,
    context: NodeContext,
    invocation: Invocation,
    record: NodeRunRecord,
  ): PortResult[] | Promise<PortResult[]> {
    if (node.node.retry || node.node.timeoutMs) return this.invokeWithPolicy(node, action, context, invocation, record)
    context.record = record
    record.attempts = 1
    context.payload = invocation.value
    context.payloadCopied = false
    const outcome = action.run(invocation.value, context)
    if (outcome && typeof (outcome as Promise<RunResult>).then === 'function') {
      return this.untilCancelled(outcome as Promise<RunResult>).then((result) => normalizeResults(result, node))
    }
    return normalizeResults(outcome as RunResult, node)
  }

  private async invokeWithPolicy(
    node: LoadedNode,
    action: PluginAction,
    context: NodeContext,
    invocation: Invocation,
    record: NodeRunRecord,
  ): Promise<PortResult[]> {
    const maxAttempts = node.node.retry?.maxAttempts ?? 1
    const backoffMs = node.node.retry?.backoffMs ?? 0
    const timeoutMs = node.node.timeoutMs
    context.record = record
    for (let attempt = 1; ; attempt++) {
      record.attempts = attempt
      context.payload = invocation.value
      context.payloadCopied = false
      try {
        let outcome = timeoutMs ? await this.withTimeout(action, invocation.value, context, timeoutMs) : action.run(invocation.value, context)
        if (outcome && typeof (outcome as Promise<RunResult>).then === 'function') outcome = await this.untilCancelled(outcome as Promise<RunResult>)
        return normalizeResults(outcome as RunResult, node)
      } catch (error) {
        if (error instanceof RunCancelled || this.signal.aborted) throw new RunCancelled()
        if (attempt >= maxAttempts) throw error
        const wait = backoffMs * 2 ** (attempt - 1)
        context.log('warn', `Attempt ${attempt} of ${maxAttempts} failed (${errorMessage(error)}); retrying in ${wait} ms`)
        if (wait > 0) await sleep(wait, this.signal)
      } finally {
        context.signal = this.signal
      }
    }
  }

  private withTimeout(action: PluginAction, payload: unknown, context: NodeContext, timeoutMs: number): Promise<RunResult> {
    const controller = new AbortController()
    const onRunAbort = () => controller.abort(this.signal.reason)
    this.signal.addEventListener('abort', onRunAbort, { once: true })
    context.signal = controller.signal
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        controller.abort(new NodeFailure('timeout', `Timed out after ${timeoutMs} ms`))
        reject(new NodeFailure('timeout', `Node "${context.nodeId}" timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      Promise.resolve()
        .then(() => action.run(payload, context))
        .then(resolve, reject)
        .finally(() => {
          clearTimeout(timer)
          this.signal.removeEventListener('abort', onRunAbort)
        })
    })
  }

  /** Stops waiting for a plugin that ignores the abort signal once the run is cancelled. */
  private untilCancelled<T>(promise: Promise<T>): Promise<T> {
    if (this.signal === NEVER_ABORTED) return promise
    return new Promise<T>((resolve, reject) => {
      if (this.signal.aborted) return reject(new RunCancelled())
      const onAbort = () => reject(new RunCancelled())
      this.signal.addEventListener('abort', onAbort, { once: true })
      promise.then(resolve, reject).finally(() => this.signal.removeEventListener('abort', onAbort))
    })
  }

  private deliver(node: LoadedNode, result: PortResult, record: NodeRunRecord): void {
    if (result.value === null || result.value === undefined) return
    record.outputs.push(this.trace === 'full' ? { port: result.port, value: cloneJson(result.value) } : { port: result.port })
    let outputs = this.state.nodes[node.id]
    if (!outputs) outputs = this.state.nodes[node.id] = { outputs: {} }
    outputs.outputs[result.port] = result.value
    const edges = node.outEdges.get(result.port)
    if (!edges) return
    const seq = ++this.deliverySeq
    for (const edge of edges) {
      let list = this.deliveries[edge.index]
      if (!list) list = this.deliveries[edge.index] = []
      list.push({ seq, value: result.value })
    }
  }

  private skippedRecord(node: LoadedNode): NodeRunRecord {
    return {
      nodeId: node.id,
      plugin: node.definition.id,
      label: node.node.label ?? null,
      status: 'skipped',
      sequence: ++this.sequence,
      attempts: 0,
      startedAt: null,
      durationMs: 0,
      input: null,
      outputs: [],
      logs: [],
      error: null,
    }
  }

  setResult(value: unknown): void {
    this.result = value
    this.resultSet = true
  }

  /** Called before anything may change event, profile or session; child runs report to their root. */
  touch(kind: TrackedState): void {
    if (this.child) return this.child.parent.touch(kind)
    if (!Object.hasOwn(this.before, kind)) this.before[kind] = cloneJson(this.state[kind])
  }

  depth(): number {
    return this.child ? this.child.depth : 0
  }
}

let lastIsoMs = -1
let lastIso = ''
/** ISO text of an epoch time in ms; thousands of nodes start within one millisecond, so the text is reused. */
export function isoAt(epochMs: number): string {
  const ms = Math.floor(epochMs)
  if (ms !== lastIsoMs) {
    lastIsoMs = ms
    lastIso = new Date(ms).toISOString()
  }
  return lastIso
}

export function isoNow(): string {
  return isoAt(Date.now())
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

type WritableSource = 'event' | 'profile' | 'session' | 'flow' | 'node' | 'payload'
const WRITABLE: ReadonlySet<string> = new Set<WritableSource>(['event', 'profile', 'session', 'flow', 'node', 'payload'])

/** The state as handed to plugins: giving out event, profile or session notes that they may change. */
class StateView implements RunState {
  constructor(private readonly run: FlowRun) {}
  get event(): EventRecord {
    this.run.touch('event')
    return this.run.state.event
  }
  get profile(): ProfileRecord {
    this.run.touch('profile')
    return this.run.state.profile
  }
  get session(): SessionRecord {
    this.run.touch('session')
    return this.run.state.session
  }
  get flow(): Record<string, unknown> {
    return this.run.state.flow
  }
  get nodes(): RunState['nodes'] {
    return this.run.state.nodes
  }
}

/** The PluginContext of one node in one run. */
class NodeContext implements PluginContext {
  readonly nodeId: string
  readonly flowId: string
  readonly node: Record<string, unknown> = {}
  readonly testing: boolean
  signal: AbortSignal
  payload: unknown = undefined
  payloadCopied = false
  record: NodeRunRecord | null = null
  private readonly scope: Scope
  private readonly stateView: RunState

  constructor(
    private readonly run: FlowRun,
    loadedNode: LoadedNode,
  ) {
    this.nodeId = loadedNode.id
    this.flowId = run.loaded.flow.id
    this.testing = run.options.testing ?? false
    this.signal = run.options.signal ?? NEVER_ABORTED
    const state = run.state
    const environment = run.environment
    this.scope = {
      event: state.event,
      profile: state.profile,
      session: state.session,
      flow: state.flow,
      node: this.node,
      nodes: state.nodes,
      payload: undefined,
      vars: environment.vars,
    }
    // Reading a secret (from an expression, a template or a reference) marks the run for redaction.
    Object.defineProperty(this.scope, 'secrets', {
      enumerable: true,
      get() {
        run.root.secretsRead = true
        return environment.secrets
      },
    })
    this.stateView = new StateView(run)
  }

  /** The state as plugins see it: handing out event, profile or session may lead to changes, so it is noted. */
  get state(): RunState {
    return this.stateView
  }

  private currentScope(): Scope {
    this.scope.payload = this.payload
    return this.scope
  }

  log(level: LogLevel, message: string): void {
    const entry: LogEntry = { level, message: String(message), at: isoNow() }
    this.record?.logs.push(entry)
  }

  evaluate(expression: string): unknown {
    return this.run.loaded.expressions.expression(expression)(this.currentScope())
  }

  template(text: string): unknown {
    return this.run.loaded.expressions.template(text)(this.currentScope())
  }

  read(ref: string): unknown {
    const parsed = parseRef(ref)
    if (!parsed) throw new NodeFailure('invalid-reference', `"${ref}" is not a reference like profile@traits.email`)
    if (parsed.source === 'payload') return readPath(this.payload, parsed.path)
    const scope = this.currentScope()
    if (parsed.source === 'secret') return readPath(scope.secrets, parsed.path)
    return readPath(scope[parsed.source], parsed.path)
  }

  write(ref: string, value: unknown): void {
    const parsed = parseRef(ref)
    if (!parsed) throw new NodeFailure('invalid-reference', `"${ref}" is not a reference like profile@traits.email`)
    if (!WRITABLE.has(parsed.source)) throw new NodeFailure('invalid-reference', `Cannot write to "${ref}": ${parsed.source} is read-only`)
    if (parsed.source === 'payload') {
      if (parsed.path.length === 0) {
        this.payload = value
        this.payloadCopied = true
        return
      }
      this.ownPayload()
      writePath(this.payload as Record<string, unknown>, parsed.path, value)
      return
    }
    if (parsed.path.length === 0) throw new NodeFailure('invalid-reference', `Cannot replace the whole ${parsed.source}; write to a path inside it`)
    if (parsed.source === 'event' || parsed.source === 'profile' || parsed.source === 'session') this.run.touch(parsed.source)
    writeState(this.currentScope()[parsed.source as WritableSource] as Record<string, unknown>, parsed.path, value, ref)
  }

  remove(ref: string): void {
    const parsed = parseRef(ref)
    if (!parsed) throw new NodeFailure('invalid-reference', `"${ref}" is not a reference like profile@traits.email`)
    if (!WRITABLE.has(parsed.source)) throw new NodeFailure('invalid-reference', `Cannot delete "${ref}": ${parsed.source} is read-only`)
    if (parsed.path.length === 0) throw new NodeFailure('invalid-reference', `Cannot delete the whole ${parsed.source}`)
    if (parsed.source === 'payload') {
      this.ownPayload()
      deletePath(this.payload, parsed.path)
      return
    }
    if (parsed.source === 'event' || parsed.source === 'profile' || parsed.source === 'session') this.run.touch(parsed.source)
    deletePath(this.currentScope()[parsed.source as WritableSource], parsed.path)
  }

  resolve(value: unknown): unknown {
    if (typeof value === 'string') {
      if (value.includes('@') && parseRef(value)) return this.read(value)
      if (value.includes('{{')) return this.template(value)
      return value
    }
    if (Array.isArray(value)) return value.map((item) => this.resolve(item))
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(value)) out[key] = this.resolve(value[key])
      return out
    }
    return value
  }

  setResult(value: unknown): void {
    this.run.setResult(value)
  }

  runSubflow(flowId: string, options: SubflowOptions): Promise<SubflowOutcome> {
    return this.run.engine.runChild(flowId, this.run, options, this.run.depth() + 1)
  }

  /** Payloads are shared between branches, so the first write in a node works on a copy. */
  private ownPayload(): void {
    if (this.payloadCopied) return
    if (!isPlainObject(this.payload) && !Array.isArray(this.payload)) {
      this.payload = {}
    } else {
      this.payload = cloneJson(this.payload)
    }
    this.payloadCopied = true
  }
}

function writeState(root: Record<string, unknown>, path: string[], value: unknown, ref: string): void {
  try {
    writePath(root, path, value)
  } catch (error) {
    throw new NodeFailure('invalid-reference', `Cannot write to "${ref}": ${errorMessage(error)}`)
  }
}
