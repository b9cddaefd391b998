/**
 * What a plugin sees of a run: its PluginContext (read, write, evaluate, log…), the state
 * view that notes which documents may change, and the scope expressions read. One scope
 * serves every node of a run; the node's own context and payload are set on it per call.
 */
import type { Ref, RefMemo, RefSource, Scope } from '../../src-shared/expr'
import {
  deletePath,
  formatRef,
  parseRef,
  readPath,
  REF_MEMO,
  writePath,
} from '../../src-shared/expr'
import { setPathCompiler } from '../../src-shared/expr/compile'
import type { LogEntry, NodeRunRecord } from '../../src-shared/engine/report'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type {
  EventRecord,
  LogLevel,
  PluginContext,
  ProfileRecord,
  RunState,
  SessionRecord,
  SubflowOptions,
  SubflowOutcome,
} from '../../src-shared/plugin-sdk'
import { errorMessage, NodeFailure } from './errors'
import type { FlowRun } from './flow-run'
import { cloneJson } from './json'
import { addLog, isoNow } from './records'

type WritableSource = 'event' | 'profile' | 'session' | 'flow' | 'node' | 'payload'

/** A switch on interned names: cheaper than a Set lookup on every write. */
function isWritable(source: RefSource): source is WritableSource {
  switch (source) {
    case 'flow':
    case 'profile':
    case 'event':
    case 'session':
    case 'node':
    case 'payload':
      return true
    default:
      return false
  }
}

/** A reference as given, parsed: a plugin may hand one it parsed once (in setUp). */
function refOf(ref: string | Ref): Ref {
  if (typeof ref !== 'string') return ref
  const parsed = parseRef(ref)
  if (!parsed)
    throw new NodeFailure(
      'invalid-reference',
      `"${ref}" is not a reference like profile@traits.email`,
    )
  return parsed
}

function textOf(ref: string | Ref): string {
  return typeof ref === 'string' ? ref : formatRef(ref)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * The names expressions read. `secrets` is a getter: reading one marks the run for redaction;
 * `node` and `payload` are the calling node's.
 */
export class RunScope implements Scope {
  event: unknown
  profile: unknown
  session: unknown
  flow: unknown
  vars: unknown
  /** The node whose plugin is evaluating. */
  context: NodeContext | null = null

  constructor(
    private readonly run: FlowRun,
    private readonly environment: RunEnvironment,
  ) {
    const state = run.state
    this.event = state.event
    this.profile = state.profile
    this.session = state.session
    this.flow = state.flow
    this.vars = environment.vars
  }

  get node(): unknown {
    return this.context ? this.context.node : undefined
  }

  get payload(): unknown {
    return this.context ? this.context.payload : undefined
  }

  get nodes(): unknown {
    return this.run.nodeOutputs()
  }

  get secrets(): unknown {
    this.run.root.secretsRead = true
    return this.environment.secrets
  }
}

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
    // Node outputs hold the event and what was read from it.
    this.run.ownEvent()
    return this.run.nodeOutputs()
  }
}

/**
 * The PluginContext of a node in one run. A plugin that may keep its context (not reusable)
 * gets one of its own per node; the nodes of reusable plugins, which hand it back when `run`
 * returns, take turns with one per run (`bind`).
 */
export class NodeContext implements PluginContext {
  nodeId: string
  /** Index of the node in the flow's node list. */
  private nodeIndex: number
  readonly flowId: string
  readonly testing: boolean
  signal: AbortSignal
  payload: unknown = undefined
  payloadCopied = false
  record: NodeRunRecord | null = null
  private stateView: RunState | null = null

  constructor(
    private readonly run: FlowRun,
    nodeId: string,
    nodeIndex: number,
  ) {
    this.nodeId = nodeId
    this.nodeIndex = nodeIndex
    this.flowId = run.loaded.flow.id
    this.testing = run.options.testing ?? false
    this.signal = run.signal
  }

  /** Points a run's shared context at the node about to be invoked. */
  bind(nodeId: string, nodeIndex: number): void {
    this.nodeId = nodeId
    this.nodeIndex = nodeIndex
  }

  /** Node-level context: private to the node for the whole run, made when first used. */
  get node(): Record<string, unknown> {
    return this.run.nodeObject(this.nodeIndex)
  }

  /** The state as plugins see it: handing out event, profile or session may lead to changes, so it is noted. */
  get state(): RunState {
    return (this.stateView ??= new StateView(this.run))
  }

  private currentScope(): RunScope {
    const scope = this.run.scope
    scope.context = this
    return scope
  }

  log(level: LogLevel, message: string): void {
    const entry: LogEntry = { level, message: String(message), at: isoNow() }
    if (this.record) addLog(this.record, entry)
  }

  evaluate(expression: string): unknown {
    const evaluator = this.run.loaded.expressions.expression(expression)
    const value = evaluator(this.currentScope())
    if (!this.mayHoldCallersObject(value)) return value
    return evaluator(this.currentScope())
  }

  template(text: string): unknown {
    const render = this.run.loaded.expressions.template(text)
    const value = render(this.currentScope())
    if (!this.mayHoldCallersObject(value)) return value
    return render(this.currentScope())
  }

  /**
   * While the event's fields are still the caller's objects (or the profile's the store's), a
   * plugin must not get hold of one (it could change it, or write it somewhere that later
   * changes): an object read then makes the run copy them first, and the caller asks again.
   */
  private mayHoldCallersObject(value: unknown): boolean {
    if (value === null || typeof value !== 'object') return false
    const root = this.run.root
    if (!root.eventShared && !root.profileShared) return false
    root.ownEvent()
    root.ownProfile()
    return true
  }

  read(ref: string | Ref): unknown {
    return this.readRef(refOf(ref))
  }

  private readRef(parsed: Ref): unknown {
    const value = this.readOnce(parsed)
    if (!this.mayHoldCallersObject(value)) return value
    return this.readOnce(parsed)
  }

  private readOnce(parsed: Ref): unknown {
    if (parsed.source === 'payload') return readerFor(parsed)(this.payload)
    if (parsed.source === 'secret') return readPath(this.currentScope().secrets, parsed.path)
    return readerFor(parsed)(this.root(parsed.source))
  }

  /** What a reference's source names, read straight from the run (a switch, not a lookup by name). */
  private root(source: Exclude<RefSource, 'payload' | 'secret'>): unknown {
    const state = this.run.state
    switch (source) {
      case 'flow':
        return state.flow
      case 'profile':
        return state.profile
      case 'event':
        return state.event
      case 'session':
        return state.session
      case 'node':
        return this.node
      case 'nodes':
        return this.run.nodeOutputs()
      case 'vars':
        return this.run.scope.vars
    }
  }

  write(ref: string | Ref, value: unknown): void {
    const parsed = refOf(ref)
    if (!isWritable(parsed.source))
      throw new NodeFailure(
        'invalid-reference',
        `Cannot write to "${textOf(ref)}": ${parsed.source} is read-only`,
      )
    // An object a plugin took from its payload directly may be the caller's: the run keeps a copy.
    if (this.run.root.eventShared && value !== null && typeof value === 'object')
      value = cloneJson(value)
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
    if (parsed.path.length === 0)
      throw new NodeFailure(
        'invalid-reference',
        `Cannot replace the whole ${parsed.source}; write to a path inside it`,
      )
    const source = parsed.source as Exclude<WritableSource, 'payload'>
    if (source === 'event' || source === 'profile' || source === 'session')
      this.run.touchKey(source, parsed.path)
    const root = this.root(source) as Record<string, unknown>
    if (!writerFor(parsed)(root, value)) writeState(root, parsed.path, value, textOf(ref))
  }

  remove(ref: string): void {
    const parsed = parseRef(ref)
    if (!parsed)
      throw new NodeFailure(
        'invalid-reference',
        `"${ref}" is not a reference like profile@traits.email`,
      )
    if (!isWritable(parsed.source))
      throw new NodeFailure(
        'invalid-reference',
        `Cannot delete "${ref}": ${parsed.source} is read-only`,
      )
    if (parsed.path.length === 0)
      throw new NodeFailure('invalid-reference', `Cannot delete the whole ${parsed.source}`)
    if (parsed.source === 'payload') {
      this.ownPayload()
      deletePath(this.payload, parsed.path)
      return
    }
    const source = parsed.source as Exclude<WritableSource, 'payload'>
    if (source === 'event' || source === 'profile' || source === 'session')
      this.run.touchKey(source, parsed.path)
    deletePath(this.root(source), parsed.path)
  }

  resolve(value: unknown): unknown {
    if (typeof value === 'string') {
      const parsed = value.includes('@') ? parseRef(value) : null
      if (parsed) return this.readRef(parsed)
      if (value.includes('{{')) return this.template(value)
      return value
    }
    if (Array.isArray(value)) return value.map((item) => this.resolve(item))
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {}
      // An own "__proto__" is dropped, as cloneJson drops it, rather than set as the prototype.
      for (const key of Object.keys(value))
        if (key !== '__proto__') out[key] = this.resolve(value[key])
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

const ObjectProto = Object.prototype

/**
 * The common write — through plain objects that are already there, no forbidden key — done
 * without writePath's checks. False, having changed nothing, for anything else: writePath then
 * creates what is missing or refuses the write, exactly as it always has.
 */
function writeExisting(root: unknown, path: readonly string[], value: unknown): boolean {
  let current = root
  const last = path.length - 1
  for (let i = 0; i <= last; i++) {
    if (typeof current !== 'object' || current === null) return false
    // Reading `constructor` hits an inline cache (as values.ts `step` does); the prototype itself
    // is asked only when it is not Object's.
    if (
      (current as { constructor?: unknown }).constructor !== Object &&
      Object.getPrototypeOf(current) !== ObjectProto
    )
      return false
    const key = path[i]!
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return false
    if (i === last) {
      ;(current as Record<string, unknown>)[key] = value
      return true
    }
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined
  }
  return false
}

type Reader = (root: unknown) => unknown

/** The memo parseRef put on a reference; none on one a plugin built itself. */
function memoOf(ref: Ref): RefMemo | undefined {
  return (ref as Ref & { [REF_MEMO]?: RefMemo })[REF_MEMO]
}

/** A reference's compiled reader, kept on the reference itself once made. */
function readerFor(ref: Ref): Reader {
  const memo = memoOf(ref)
  if (!memo) return readerOf(ref.path)
  return (memo.read ??= readerOf(ref.path))
}

/** A reference's compiled writer, kept on the reference itself once made. */
function writerFor(ref: Ref): Writer {
  const memo = memoOf(ref)
  if (!memo) return writerOf(ref.path)
  return (memo.write ??= writerOf(ref.path))
}

/** readPath for each path parseRef handed out, as writers are below. */
const readers = new WeakMap<readonly string[], Reader>()

/** readPath compiled for one path, its keys written into the code as for writes (compileWriter). */
function readerOf(path: readonly string[]): Reader {
  let reader = readers.get(path)
  if (reader) return reader
  if (!Object.isFrozen(path)) return (root) => readPath(root, path)
  reader = compileReader(path)
  readers.set(path, reader)
  return reader
}

/** Compiled walks by path text, shared by every expression of every flow (see setPathCompiler). */
const walkers = new Map<string, Reader>()
const WALKER_LIMIT = 5000

setPathCompiler((keys) => {
  const text = JSON.stringify(keys)
  let walker = walkers.get(text)
  if (!walker) {
    if (walkers.size >= WALKER_LIMIT) walkers.clear()
    walker = compileReader(keys)
    walkers.set(text, walker)
  }
  return walker
})

function compileReader(path: readonly string[]): Reader {
  if (path.length === 0) return (root) => readPath(root, path)
  // A forbidden key reads null wherever it is (values.ts member).
  if (path.some(isForbiddenKey)) return () => null
  // Each step is values.ts `step`: own properties of plain objects and arrays, data only.
  let body = 'let c = root\n'
  for (const segment of path) {
    const key = JSON.stringify(segment)
    body += `if (typeof c !== 'object' || c === null || !hasOwn(c, ${key})) return null
if (c.constructor !== Object && c.constructor !== Array) {
  const p = getProto(c)
  if (p !== proto && p !== null && !isArray(c)) return null
}
c = c[${key}]
if (c === undefined || typeof c === 'function') return null
`
  }
  body += 'return c\n'
  const make = new Function(
    'getProto',
    'proto',
    'hasOwn',
    'isArray',
    `return function (root) {\n${body}}`,
  ) as (
    getProto: typeof Object.getPrototypeOf,
    proto: object,
    hasOwn: typeof Object.hasOwn,
    isArray: typeof Array.isArray,
  ) => Reader
  return make(Object.getPrototypeOf, ObjectProto, Object.hasOwn, Array.isArray)
}

function isForbiddenKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype'
}

type Writer = (root: unknown, value: unknown) => boolean

/** writeExisting for each path parseRef handed out (frozen, and the same array every time). */
const writers = new WeakMap<readonly string[], Writer>()

/**
 * writeExisting compiled for one path, with its keys written into the code: each store and
 * load is then a named property access with its own inline cache, where the loop's `[key]`
 * serves every path and object shape at one site (~60% less time per write). Only paths
 * parseRef cached are compiled; any other path array takes the loop.
 */
function writerOf(path: readonly string[]): Writer {
  let writer = writers.get(path)
  if (writer) return writer
  if (!Object.isFrozen(path)) return (root, value) => writeExisting(root, path, value)
  writer = compileWriter(path)
  writers.set(path, writer)
  return writer
}

function compileWriter(path: readonly string[]): Writer {
  const last = path.length - 1
  if (
    last < 0 ||
    path.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')
  )
    return () => false
  // Keys enter the code only as JSON string literals, so no key can be read as code.
  let body = 'let c = root\n'
  for (let i = 0; i <= last; i++) {
    const key = JSON.stringify(path[i])
    body +=
      "if (typeof c !== 'object' || c === null || (c.constructor !== Object && getProto(c) !== proto)) return false\n"
    body +=
      i === last
        ? `c[${key}] = value\nreturn true\n`
        : `c = hasOwn(c, ${key}) ? c[${key}] : undefined\n`
  }
  const make = new Function(
    'getProto',
    'proto',
    'hasOwn',
    `return function (root, value) {\n${body}}`,
  ) as (
    getProto: typeof Object.getPrototypeOf,
    proto: object,
    hasOwn: typeof Object.hasOwn,
  ) => Writer
  return make(Object.getPrototypeOf, ObjectProto, Object.hasOwn)
}

function writeState(
  root: Record<string, unknown>,
  path: string[],
  value: unknown,
  ref: string,
): void {
  try {
    writePath(root, path, value)
  } catch (error) {
    throw new NodeFailure('invalid-reference', `Cannot write to "${ref}": ${errorMessage(error)}`)
  }
}
