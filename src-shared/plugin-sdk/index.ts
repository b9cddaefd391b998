/**
 * The plugin SDK (design §5). A plugin is a plain definition object plus a small action
 * object with `setUp`, `run` and `close`; the run context is passed explicitly.
 */
import type { Ref } from '../expr'
import type { JsonSchema } from '../flow/json-schema-type'

export type { JsonSchema }

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One value sent on one output port. */
export interface PortResult {
  port: string
  value: unknown
}

export type RunResult = void | undefined | null | PortResult | PortResult[]

/** The state every node sees (design §3). */
export interface RunState {
  event: EventRecord
  profile: ProfileRecord
  session: SessionRecord
  /** Workflow-level context shared by all nodes of this run. */
  flow: Record<string, unknown>
  /** Outputs of nodes that already ran: `nodes.check.outputs.true`. */
  nodes: Record<string, { outputs: Record<string, unknown> }>
}

export interface EventRecord {
  id: string
  type: string
  source: string
  time: string
  properties: Record<string, unknown>
  context: Record<string, unknown>
  profileId: string | null
  sessionId: string | null
  [extra: string]: unknown
}

export interface ProfileRecord {
  id: string
  traits: Record<string, unknown>
  segments: string[]
  interests: Record<string, unknown>
  consents: Record<string, unknown>
  createdAt: string
  updatedAt: string
  [extra: string]: unknown
}

export interface SessionRecord {
  id: string
  profileId: string
  context: Record<string, unknown>
  createdAt: string
  updatedAt: string
  [extra: string]: unknown
}

export interface SubflowOptions {
  input: unknown
  inheritContext: boolean
}

export interface SubflowOutcome {
  status: 'succeeded' | 'failed' | 'cancelled'
  result: unknown
  errors: { nodeId: string; message: string; code: string }[]
}

/** What a plugin sees while it runs. */
export interface PluginContext {
  readonly nodeId: string
  readonly flowId: string
  readonly state: RunState
  /** Node-level context: private to this node for the whole run. */
  readonly node: Record<string, unknown>
  /** The payload currently being handled (after any `payload@` writes). */
  readonly payload: unknown
  /** Aborted when the run is cancelled or the node's time limit passes. */
  readonly signal: AbortSignal
  /** `true` while running a test case (plugins that reach outside must not). */
  readonly testing: boolean
  log(level: LogLevel, message: string): void
  /** Evaluates an expression against the state and the current payload. */
  evaluate(expression: string): unknown
  /**
   * Reads a `source@path` reference. A reference parsed once (`parseRef`, in `setUp`) skips
   * parsing it again on every run.
   */
  read(ref: string | Ref): unknown
  /** Writes a `source@path` reference (`payload@…` writes a copy of the payload); parsed as for read. */
  write(ref: string | Ref, value: unknown): void
  /** Deletes the value at a `source@path` reference. */
  remove(ref: string): void
  /** Renders a `{{ expression }}` template. A string that is one whole `{{ }}` keeps the value's type. */
  template(text: string): unknown
  /**
   * Resolves a config value: a `source@path` string is read, a string with `{{ }}` is rendered,
   * arrays and objects are resolved deeply, anything else is returned as is.
   */
  resolve(value: unknown): unknown
  /** Sets the run's result: what a child flow hands back to `flow.subflow` (`flow.end` uses it). */
  setResult(value: unknown): void
  /** Runs another flow by id (the engine enforces a depth limit). */
  runSubflow(flowId: string, options: SubflowOptions): Promise<SubflowOutcome>
}

/** The action object a plugin creates once per run (Tracardi's lifecycle). */
export interface PluginAction<Config = Record<string, unknown>> {
  setUp?(config: Config, ctx: PluginContext): void | Promise<void>
  /** `config` is the node's config, as `setUp` got it: actions need not keep their own copy. */
  run(payload: unknown, ctx: PluginContext, config: Config): RunResult | Promise<RunResult>
  close?(): void | Promise<void>
}

export interface FormField {
  field: string
  widget?:
    | 'text'
    | 'textarea'
    | 'number'
    | 'checkbox'
    | 'select'
    | 'ref'
    | 'expression'
    | 'template'
    | 'code'
    | 'json'
    | 'key-value'
    | 'list'
  label?: string
  help?: string
  language?: 'javascript' | 'python' | 'jsonata'
}

export interface FormGroup {
  title: string
  fields: FormField[]
}

export interface PluginDocs {
  markdown: string
  inputs?: Record<string, string>
  outputs?: Record<string, string>
}

export interface TestTemplate {
  config?: Record<string, unknown>
  payload?: unknown
  state?: Partial<{
    event: Record<string, unknown>
    profile: Record<string, unknown>
    flow: Record<string, unknown>
  }>
  expect?: { port?: string | null; value?: unknown }
}

export interface PluginDefinition<Config = Record<string, unknown>> {
  id: string
  version: string
  name: string
  description: string
  group: string
  icon?: string
  inputs: string[]
  outputs: string[]
  /**
   * Output ports named by the config, added to `outputs` (e.g. `flow.switch` case ports:
   * `{ list: 'cases', key: 'port' }`). Declarative so the renderer can compute ports too.
   */
  dynamicOutputs?: { list: string; key: string }
  /** Config fields that hold expressions or templates, so the validator can check them at design time. */
  expressionFields?: { field: string; kind: 'expression' | 'template' }[]
  /** A trigger plugin is an entry point; a flow has exactly one. */
  trigger?: boolean
  configSchema: JsonSchema
  defaultConfig: Config
  form?: FormGroup[]
  docs: PluginDocs
  testTemplate: TestTemplate
  /**
   * The action keeps nothing from one `run` to the next, `setUp` reads only the config, and
   * there is no `close`: the engine may then create and set up one action per node of a loaded
   * flow and use it in every run instead of one per run. Honoured for built-in plugins only.
   */
  reusable?: boolean
  create(): PluginAction<Config>
}

export function definePlugin<Config = Record<string, unknown>>(
  definition: PluginDefinition<Config>,
): PluginDefinition<Config> {
  return definition
}

/** The implicit port every node has; errors flow there when an edge is connected to it. */
export const ERROR_PORT = 'error'

/** The metadata of a plugin without its code: what the registry sends to the renderer. */
export type PluginMeta = Omit<PluginDefinition, 'create' | 'reusable'>

/** Where the validator and the engine look plugins up. */
export interface PluginLookup {
  get(id: string): PluginMeta | undefined
}

/** Every output port of a node with this config, the implicit `error` port last. */
export function outputPortsOf(
  meta: Pick<PluginMeta, 'outputs' | 'dynamicOutputs'>,
  config: unknown,
): string[] {
  const ports = [...meta.outputs]
  const dynamic = meta.dynamicOutputs
  if (dynamic && config && typeof config === 'object') {
    const list = (config as Record<string, unknown>)[dynamic.list]
    if (Array.isArray(list)) {
      for (const entry of list) {
        const port =
          entry && typeof entry === 'object'
            ? (entry as Record<string, unknown>)[dynamic.key]
            : undefined
        if (typeof port === 'string' && port && !ports.includes(port)) ports.push(port)
      }
    }
  }
  ports.push(ERROR_PORT)
  return ports
}

export function isTriggerPlugin(meta: Pick<PluginMeta, 'id' | 'trigger'>): boolean {
  return meta.trigger ?? meta.id.startsWith('trigger.')
}
