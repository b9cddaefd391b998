/**
 * The API contract: every method the renderer may call, with a zod schema for its argument
 * and its result. Main validates arguments against it (IPC and HTTP alike), the preload exposes
 * exactly these names, and the renderer's client is typed from it.
 */
import { z } from 'zod'
import { ExecutionReport } from '../engine/report'
import type { JsonSchema } from '../flow/json-schema-type'
import type { Flow } from '../flow/types'
import type { FormGroup, TestTemplate } from '../plugin-sdk'
import type { Result } from './result'
import { FlowCoverage } from '../testing/coverage'
import { stagingMethods } from './staging-contract'
import { runnerMethods } from './runner-contract'

const none = z.object({}).strict().optional()

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  pluginCount: z.number().int().nonnegative(),
  platform: z.string(),
  mode: z.enum(['electron', 'web']),
  /** True where Open/Save use the system's dialogs and write files back (the desktop app). */
  nativeFiles: z.boolean().optional(),
})
export type AppInfo = z.infer<typeof AppInfo>

const JsonObject = z.record(z.string(), z.unknown())
const isObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * What the palette and the inspector need to know of a plugin (no code): its PluginMeta. Parts
 * the plugin SDK types in detail (config schema, form, test template) pass through as they are.
 */
export const PluginSummary = z.object({
  id: z.string(),
  version: z.string(),
  name: z.string(),
  description: z.string(),
  group: z.string(),
  icon: z.string().optional(),
  origin: z.enum(['builtin', 'user']),
  trigger: z.boolean().optional(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  dynamicOutputs: z.object({ list: z.string(), key: z.string() }).optional(),
  expressionFields: z
    .array(z.object({ field: z.string(), kind: z.enum(['expression', 'template']) }))
    .optional(),
  configSchema: z.custom<JsonSchema>((v) => isObject(v) || typeof v === 'boolean'),
  defaultConfig: JsonObject,
  form: z.array(z.custom<FormGroup>(isObject)).optional(),
  docs: z.object({
    markdown: z.string(),
    inputs: z.record(z.string(), z.string()).optional(),
    outputs: z.record(z.string(), z.string()).optional(),
  }),
  testTemplate: z.custom<TestTemplate>(isObject),
})
export type PluginSummary = z.infer<typeof PluginSummary>

const FlowId = z.string().min(1).max(100)

/** Names of secrets, fields, environments and variables, as expressions use them. */
const EnvName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/,
    'must start with a letter or _ and hold only letters, digits, _ and -',
  )

/** A secret as the app sees it: its name and field names, never a value. */
export const SecretSummary = z.object({
  name: z.string(),
  /** null: shared by every environment without a secret of this name of its own. */
  environment: z.string().nullable(),
  fields: z.array(z.string()),
  updatedAt: z.string(),
})
export type SecretSummary = z.infer<typeof SecretSummary>

export const EnvironmentsState = z.object({
  current: z.string(),
  environments: z.array(z.object({ name: z.string(), vars: JsonObject, current: z.boolean() })),
  secrets: z.array(SecretSummary),
})
export type EnvironmentsState = z.infer<typeof EnvironmentsState>

/** A bundle as the import dialog shows it before the user agrees (see `bundles.inspect`). */
export const BundlePlan = z.object({
  appVersion: z.string(),
  createdAt: z.string(),
  flows: z.array(
    z.object({ id: z.string(), name: z.string(), revision: z.number().int().nullable() }),
  ),
  plugins: z.array(
    z.object({
      id: z.string(),
      version: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string(),
      action: z.enum(['install', 'replace', 'keep']),
      installedVersion: z.string().nullable(),
    }),
  ),
  needsTrust: z.boolean(),
  signedBy: z.string().nullable(),
})
export type BundlePlan = z.infer<typeof BundlePlan>
const Iso = z.string()

export const ProblemShape = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  path: z.string().optional(),
})

export const FlowSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  draftVersion: z.number().int(),
  productionRevision: z.number().int().nullable(),
  updatedAt: Iso,
  deletedAt: Iso.nullable(),
})
export type FlowSummary = z.infer<typeof FlowSummary>

/** A flow as the app hands it out (checked when it was saved). */
const FlowDocument = z.custom<Flow>(isObject)
/**
 * A flow document to store: the designer's Flow, or a document read from a file. Its shape is
 * checked by the flow validator in main (unknown fields are problems, not dropped), not here.
 */
const FlowDocumentInput = z.custom<Flow | Record<string, unknown>>(isObject, 'expected an object')

export const FlowDetails = z.object({
  summary: FlowSummary,
  draft: z.object({ version: z.number().int(), flow: FlowDocument, savedAt: Iso }),
  production: z
    .object({
      revision: z.number().int(),
      flow: FlowDocument,
      deployedAt: Iso,
      note: z.string().nullable(),
    })
    .nullable(),
})
export type FlowDetails = z.infer<typeof FlowDetails>

export const Revision = z.object({
  revision: z.number().int(),
  createdAt: Iso,
  note: z.string().nullable(),
  sha256: z.string(),
  isProduction: z.boolean(),
})
export type Revision = z.infer<typeof Revision>

export const RunSummary = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowVersion: z.number().int().nullable(),
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  startedAt: Iso,
  durationMs: z.number(),
})
export type RunSummary = z.infer<typeof RunSummary>

const Unmet = z.object({
  kind: z.string(),
  target: z.string(),
  expected: z.unknown(),
  actual: z.unknown(),
  message: z.string(),
})

export const CaseSummary = z.object({
  name: z.string(),
  index: z.number().int(),
  passed: z.boolean(),
  durationMs: z.number(),
  unmet: z.array(Unmet),
  error: z.string().optional(),
})
export type CaseSummary = z.infer<typeof CaseSummary>

export const TestJobStatus = z.object({
  jobId: z.string(),
  flowId: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  finished: z.boolean(),
  cancelled: z.boolean(),
  passed: z.number().int(),
  failed: z.number().int(),
  durationMs: z.number(),
  error: z.string().nullable(),
  cases: z.array(CaseSummary),
  /** What the job's cases reached of the flow; set once the job has finished. */
  coverage: FlowCoverage.nullable(),
})
export type TestJobStatus = z.infer<typeof TestJobStatus>

export const RunnerStatus = z.object({
  running: z.boolean(),
  url: z.string().nullable(),
  hooks: z.array(z.object({ flowId: z.string(), url: z.string() })),
  schedules: z.array(
    z.object({ flowId: z.string(), description: z.string(), next: z.string().nullable() }),
  ),
  deliveries: z.array(
    z.object({
      seq: z.number(),
      flowId: z.string(),
      source: z.string(),
      receivedAt: z.string(),
      status: z.string(),
      runId: z.string().nullable(),
    }),
  ),
})
export type RunnerStatus = z.infer<typeof RunnerStatus>

/** A file the user opened through the host: a flow's text or a bundle's bytes, and a handle to save back. */
export const OpenedFile = z.object({
  /** Opaque: the only way to write to this path again. Main never takes a path from the renderer. */
  fileId: z.string(),
  path: z.string(),
  name: z.string(),
  kind: z.enum(['flow', 'bundle']),
  text: z.string().optional(),
  base64: z.string().optional(),
})
export type OpenedFile = z.infer<typeof OpenedFile>

export const SavedFile = z.object({
  fileId: z.string(),
  path: z.string(),
  name: z.string(),
  savedAt: Iso,
})
export type SavedFile = z.infer<typeof SavedFile>

export const RecentFile = z.object({
  path: z.string(),
  name: z.string(),
  kind: z.enum(['flow', 'bundle']),
})
export type RecentFile = z.infer<typeof RecentFile>

/** What the host asks of the window: its menus, and files handed over by the OS or a second launch. */
export const HostCommandName = z.enum([
  'new',
  'open',
  'save',
  'save-as',
  'import-bundle',
  'export-bundle',
  'run',
  'run-with',
  'run-tests',
  'about',
  'open-file',
])
export const HostCommand = z.object({ command: HostCommandName, file: OpenedFile.optional() })
export type HostCommand = z.infer<typeof HostCommand>

const FileText = z.string().max(64 * 1024 * 1024)
const FileName = z.string().min(1).max(255)

export const contract = {
  'app.info': { input: none, output: AppInfo },
  'plugins.list': { input: none, output: z.array(PluginSummary) },
  /** Installs a plugin from a folder or an npm tarball (.tgz) on this machine; usable at once. */
  'plugins.install': {
    input: z.object({ source: z.string().min(1).max(4096) }).strict(),
    output: z.object({ id: z.string(), version: z.string(), name: z.string(), dir: z.string() }),
  },
  'plugins.remove': {
    input: z.object({ id: z.string().min(1).max(200) }).strict(),
    output: z.object({ removed: z.literal(true) }),
  },
  /** Reloads every installed plugin ("reinstall plugins"); refusals are listed, the rest keep working. */
  'plugins.reload': {
    input: none,
    output: z.object({
      loaded: z.array(z.object({ id: z.string(), version: z.string() })),
      refused: z.array(z.object({ dir: z.string(), message: z.string() })),
    }),
  },
  'flows.list': {
    input: z.object({ includeDeleted: z.boolean().optional() }).strict().optional(),
    output: z.array(FlowSummary),
  },
  'flows.create': {
    input: z
      .object({
        flow: FlowDocumentInput.optional(),
        id: FlowId.optional(),
        name: z.string().min(1).max(200).optional(),
      })
      .strict(),
    output: FlowDetails,
  },
  'flows.get': { input: z.object({ id: FlowId }).strict(), output: FlowDetails },
  'flows.saveDraft': {
    input: z
      .object({
        id: FlowId,
        baseVersion: z.number().int().nonnegative(),
        flow: FlowDocumentInput.optional(),
        text: z.string().optional(),
      })
      .strict()
      .refine(
        (v) => (v.flow === undefined) !== (v.text === undefined),
        'give either "flow" or "text"',
      ),
    output: z.object({ version: z.number().int(), savedAt: Iso, problems: z.array(ProblemShape) }),
  },
  'flows.deploy': {
    input: z.object({ id: FlowId, note: z.string().max(2000).optional() }).strict(),
    output: z.object({ revision: z.number().int(), deployedAt: Iso }),
  },
  'flows.history': { input: z.object({ id: FlowId }).strict(), output: z.array(Revision) },
  'flows.revert': {
    input: z.object({ id: FlowId, revision: z.number().int().positive() }).strict(),
    output: z.object({ version: z.number().int(), savedAt: Iso }),
  },
  'flows.duplicate': {
    input: z
      .object({ id: FlowId, newId: FlowId.optional(), name: z.string().min(1).max(200).optional() })
      .strict(),
    output: FlowSummary,
  },
  'flows.delete': {
    input: z.object({ id: FlowId }).strict(),
    output: z.object({ deleted: z.literal(true) }),
  },
  'flows.restore': { input: z.object({ id: FlowId }).strict(), output: FlowSummary },
  'flows.emptyTrash': { input: none, output: z.object({ removed: z.number().int() }) },
  'runs.list': {
    input: z
      .object({
        flowId: FlowId.optional(),
        limit: z.number().int().min(1).max(500).optional(),
        offset: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    output: z.object({ runs: z.array(RunSummary), total: z.number().int() }),
  },
  'runs.get': {
    input: z.object({ runId: z.string().min(1).max(100) }).strict(),
    output: ExecutionReport,
  },
  /** Runs the draft (or production) once with an event, records the run and returns its report. */
  'flows.run': {
    input: z
      .object({
        id: FlowId,
        event: JsonObject,
        profile: JsonObject.optional(),
        session: JsonObject.optional(),
        mocks: z.record(z.string(), z.object({ port: z.string(), value: z.unknown() })).optional(),
        production: z.boolean().optional(),
        /** "Run to here": only this node and the nodes it depends on run. */
        stopAfter: FlowId.optional(),
        /**
         * Outputs the user pinned in the designer (n8n's pinned data): a pinned node does not run,
         * its pinned output is sent on. Unlike `mocks`, pins do not make the run a test run.
         */
        pinned: z.record(z.string(), z.object({ port: z.string(), value: z.unknown() })).optional(),
      })
      .strict(),
    output: ExecutionReport,
  },
  /** Starts running test cases in the background: the draft's own, or the ones given. */
  'tests.start': {
    input: z
      .object({
        flowId: FlowId,
        cases: z.array(JsonObject).max(100000).optional(),
        only: z.array(z.number().int().nonnegative()).optional(),
      })
      .strict(),
    output: z.object({ jobId: z.string(), total: z.number().int() }),
  },
  /**
   * Progress of a test run, fetched once when it starts and after a reconnect (testProgress
   * events carry the rest); `since` skips the first `since` finished cases.
   */
  'tests.status': {
    input: z
      .object({
        jobId: z.string().min(1).max(100),
        since: z.number().int().nonnegative().optional(),
      })
      .strict(),
    output: TestJobStatus,
  },
  'tests.cancel': {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
  /**
   * A `.flowbundle` of the production revisions of these flows (or, with `source: "draft"`, their
   * drafts, which must have no errors), as base64. Its file name and manifest name the revision.
   */
  'bundles.export': {
    input: z
      .object({
        flowIds: z.array(FlowId).min(1).max(500),
        source: z.enum(['production', 'draft']).optional(),
      })
      .strict(),
    output: z.object({ fileName: z.string(), base64: z.string(), size: z.number().int() }),
  },
  /**
   * What importing a bundle would do, for the confirm dialog: its flows and the plugin code it
   * carries (id, version, size, sha256). Reads and checks the bundle; runs and writes nothing.
   */
  'bundles.inspect': {
    input: z.object({ base64: z.string().min(1) }).strict(),
    output: BundlePlan,
  },
  /**
   * Checks a bundle whole, then imports and deploys its flows (refused whole with the reason).
   * A bundle whose plugin code is not installed is refused (`untrusted-plugins`) unless
   * `trustPlugins` says the user agreed, in the dialog, to install and run that code.
   */
  'bundles.import': {
    input: z.object({ base64: z.string().min(1), trustPlugins: z.boolean().optional() }).strict(),
    output: z.object({
      flows: z.array(z.object({ id: z.string(), revision: z.number().int() })),
      plugins: z.array(z.string()),
    }),
  },
  'runner.start': {
    input: z
      .object({ port: z.number().int().min(0).max(65535).optional() })
      .strict()
      .optional(),
    output: RunnerStatus,
  },
  'runner.stop': { input: none, output: RunnerStatus },
  'runner.status': { input: none, output: RunnerStatus },
  /** Environments, their variables, and the secrets (names and fields only). */
  'secrets.list': { input: none, output: EnvironmentsState },
  /** Creates or replaces a secret; values are write-only: no answer ever carries them. */
  'secrets.set': {
    input: z
      .object({
        name: EnvName,
        fields: z.record(EnvName, z.string().max(64 * 1024)),
        environment: EnvName.nullable().optional(),
      })
      .strict(),
    output: EnvironmentsState,
  },
  'secrets.rename': {
    input: z.object({ from: EnvName, to: EnvName }).strict(),
    output: EnvironmentsState,
  },
  'secrets.delete': {
    input: z.object({ name: EnvName, environment: EnvName.nullable().optional() }).strict(),
    output: EnvironmentsState,
  },
  /** Makes an environment current (creating it if new): runs and tests read it. */
  'environments.use': { input: z.object({ name: EnvName }).strict(), output: EnvironmentsState },
  'environments.save': {
    input: z.object({ name: EnvName, vars: z.record(EnvName, z.unknown()) }).strict(),
    output: EnvironmentsState,
  },
  'environments.delete': { input: z.object({ name: EnvName }).strict(), output: EnvironmentsState },
  'tests.caseReport': {
    input: z
      .object({ jobId: z.string().min(1).max(100), index: z.number().int().nonnegative() })
      .strict(),
    output: ExecutionReport,
  },
  /*
   * Files through the host's own dialogs (the desktop app). Elsewhere they fail with
   * `not-available` and app.info says `nativeFiles: false`: the renderer keeps its file input and
   * download. The renderer never names a path to write: it saves through a `fileId` main handed out.
   */
  /** Shows the open dialog; null when the user cancelled. */
  'files.open': {
    input: z
      .object({ kind: z.enum(['flow', 'bundle']).optional() })
      .strict()
      .optional(),
    output: OpenedFile.nullable(),
  },
  /** Opens one of the recent files (only a path the recent list holds). */
  'files.openRecent': {
    input: z.object({ path: z.string().min(1).max(4096) }).strict(),
    output: OpenedFile,
  },
  'files.recent': { input: none, output: z.array(RecentFile) },
  /**
   * Writes a flow back to the file it came from, atomically. Fails with `file-changed` when the file
   * changed on disk since it was opened or last saved, unless `overwrite` says the user agreed.
   */
  'files.save': {
    input: z
      .object({
        fileId: z.string().min(1).max(100),
        text: FileText,
        overwrite: z.boolean().optional(),
      })
      .strict(),
    output: SavedFile,
  },
  /** Shows the save dialog and writes the flow there; null when the user cancelled. */
  'files.saveAs': {
    input: z.object({ text: FileText, suggestedName: FileName }).strict(),
    output: SavedFile.nullable(),
  },
  /** Shows the save dialog for a bundle and writes its bytes; null when the user cancelled. */
  'files.saveBundle': {
    input: z.object({ base64: z.string().min(1), suggestedName: FileName }).strict(),
    output: SavedFile.nullable(),
  },
  /**
   * Waits for the host's next command (a menu item, a file from a second launch or the OS). Answers
   * null when a newer wait replaced this one (the window reloaded).
   */
  'host.nextCommand': { input: none, output: HostCommand.nullable() },
  ...stagingMethods,
  ...runnerMethods,
} as const

export type Contract = typeof contract
export type MethodName = keyof Contract
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<Contract[M]['output']>

export const methodNames = Object.keys(contract) as MethodName[]

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(contract, name)
}

/** The shape of `window.flowbench`: one function per contract method. */
export type FlowbenchApi = {
  [M in MethodName]: (arg?: MethodInput<M>) => Promise<Result<MethodOutput<M>>>
}

/** The IPC channel a method travels on. */
export function channelOf(method: MethodName): string {
  return `flowbench:${method}`
}
