import type {
  EnvironmentsState,
  FlowSummary,
  PluginSummary,
  TestJobStatus,
} from '../../src-shared/api/contract'
import type { Problem, TestCase } from '../../src-shared/flow/types'
import { flowUpTo } from '../../src-shared/flow/graph'
import { FlowLoadError } from '../engine/load'
import { RunInputError } from '../engine/runner'
import { runFlowOnce } from '../app/flow-runs'
import { deployDraft, deploySettings, saveDeploySettings, testDraft } from '../app/deploy'
import type { DeployContext } from '../app/deploy'
import { runProgressOf } from '../../src-shared/api/events'
import { PluginRefusedError } from '../plugins-host/registry'
import { BundleError, readBundle } from '../bundles/bundle'
import { exportFromStore } from '../app/export-bundle'
import { importBundle, planImport, UntrustedPluginsError } from '../bundles/import'
import { ApiFailure } from '../../src-shared/api/result'
import { validateFlow } from '../../src-shared/flow/validate'
import { APP_NAME, APP_VERSION } from '../app-context'
import type { AppContext } from '../app-context'
import { newFlowDocument } from '../flow-documents'
import { SecretsError } from '../secrets/secrets'
import type { ApiHandlers } from './dispatch'
import { EventRouting } from '../../src-shared/api/runner-contract'
import { readRemoteRunner } from '../runtime/remote-runner'
import type { FileService } from '../files/file-service'
import type { HostCommands } from '../files/host-commands'

/** What only the desktop host has: its file dialogs and its menus. The web host passes none. */
export interface DesktopServices {
  files: FileService
  commands: HostCommands
}

function asApiFailure(error: unknown): never {
  if (error instanceof PluginRefusedError) throw new ApiFailure('plugin-refused', error.message)
  throw error
}

/** Handlers of the contract's methods whose names start with `P.` */
type HandlersOf<P extends string> = Pick<ApiHandlers, Extract<keyof ApiHandlers, `${P}.${string}`>>

/** What every group of handlers works with. */
interface HandlerContext {
  app: AppContext
  desktop?: DesktopServices
  /** Problems name the secrets and variables the current environment lacks. */
  validate: (flow: unknown) => Problem[]
}

/** The one implementation of the API contract: one group of handlers per part of the app. */
export function createApiHandlers(app: AppContext, desktop?: DesktopServices): ApiHandlers {
  const validate = (flow: unknown) =>
    validateFlow(flow, { plugins: app.registry, environment: app.secrets.names() })
  const ctx: HandlerContext = { app, desktop, validate }
  return {
    ...appHandlers(ctx),
    ...pluginHandlers(ctx),
    ...flowHandlers(ctx),
    ...settingsHandlers(ctx),
    ...runHandlers(ctx),
    ...testHandlers(ctx),
    ...bundleHandlers(ctx),
    ...runnerHandlers(ctx),
    ...secretHandlers(ctx),
    ...environmentHandlers(ctx),
    ...fileHandlers(ctx),
    ...hostHandlers(ctx),
  }
}

function appHandlers({ app, desktop }: HandlerContext): HandlersOf<'app'> {
  const { registry } = app
  return {
    'app.info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      dataDir: app.dataDir,
      pluginCount: registry.size,
      platform: process.platform,
      mode: app.mode,
      nativeFiles: desktop !== undefined,
    }),
  }
}

function pluginHandlers({ app }: HandlerContext): HandlersOf<'plugins'> {
  const { registry } = app
  return {
    'plugins.list': () => registry.describe() as PluginSummary[],
    'plugins.install': (input) => app.installer.install(input!.source).catch(asApiFailure),
    'plugins.remove': async (input) => {
      await app.installer.remove(input!.id).catch(asApiFailure)
      return { removed: true as const }
    },
    'plugins.reload': async () => {
      const { loaded, refused } = await app.installer.reload()
      return { loaded: loaded.map((p) => ({ id: p.id, version: p.version })), refused }
    },
  }
}

function deployContext({ app, validate }: HandlerContext): DeployContext {
  return {
    store: app.store,
    plugins: app.registry,
    resolveFlow: app.resolveFlow,
    environment: () => app.secrets.environment(),
    validate,
  }
}

function flowHandlers(ctx: HandlerContext): HandlersOf<'flows'> {
  const { app, validate } = ctx
  const { store, registry, secrets } = app
  const deploying = deployContext(ctx)
  return {
    'flows.list': (input) =>
      store.listFlows({ includeDeleted: input?.includeDeleted ?? false }) as FlowSummary[],
    'flows.create': (input) => {
      const taken = new Set(store.listFlows({ includeDeleted: true }).map((f) => f.id))
      const flow = newFlowDocument(input ?? {}, taken)
      store.createFlow(flow)
      return store.getFlow(flow.id)
    },
    'flows.get': (input) => store.getFlow(input!.id),
    'flows.saveDraft': (input) => {
      const { id, baseVersion, flow, text } = input!
      const saved = store.saveDraft(id, baseVersion, text ?? flow)
      const draft = store.getFlow(id).draft.flow
      return { ...saved, problems: validate(draft) }
    },
    'flows.deploy': async (input) => {
      const deployed = await deployDraft(deploying, input!.id, input!.note)
      await app.runner.refresh()
      return deployed
    },
    'flows.testDraft': (input) => testDraft(deploying, input!.id, input!.flow),
    'flows.history': (input) => store.history(input!.id),
    'flows.revert': (input) => store.revert(input!.id, input!.revision),
    'flows.revision': (input) => store.revision(input!.id, input!.revision),
    'flows.duplicate': (input) =>
      store.duplicate(input!.id, input!.newId, input!.name) as FlowSummary,
    'flows.delete': (input) => {
      store.delete(input!.id)
      return { deleted: true as const }
    },
    'flows.restore': (input) => store.restore(input!.id) as FlowSummary,
    'flows.emptyTrash': () => ({ removed: store.emptyTrash() }),
    'flows.run': async (input) => {
      const { id, event, profile, session, mocks, production, stopAfter, pinned } = input!
      const source = production ? store.production(id) : null
      if (production && !source)
        throw new ApiFailure('not-deployed', `Flow "${id}" has no production revision yet`)
      const record = store.getFlow(id)
      const whole = source ? source.flow : record.draft.flow
      if (stopAfter && !whole.nodes.some((n) => n.id === stopAfter))
        throw new ApiFailure('unknown-node', `Flow "${id}" has no node "${stopAfter}"`)
      const flow = stopAfter ? flowUpTo(whole, stopAfter) : whole
      try {
        const { report } = await runFlowOnce(
          flow,
          {
            event,
            profile,
            session,
            mocks: pinned ? { ...mocks, ...pinned } : mocks,
            testing: !!mocks,
            flowVersion: source?.revision ?? null,
            trigger: { type: 'designer' },
            onEvent: app.events.listening
              ? runProgressOf(id, { kind: 'designer' }, (progress) =>
                  app.events.emit('runProgress', progress),
                )
              : undefined,
          },
          {
            plugins: registry,
            store: store.state,
            resolveFlow: app.resolveFlow,
            environment: () => secrets.environment(),
            record: (done) => store.recordRun(done),
          },
        )
        return report
      } catch (error) {
        if (error instanceof FlowLoadError)
          throw new ApiFailure('invalid-flow', error.message, error.problems)
        if (error instanceof RunInputError) throw new ApiFailure('bad-event', error.message)
        throw error
      }
    },
  }
}

function settingsHandlers({ app }: HandlerContext): HandlersOf<'settings'> {
  const { store } = app
  return {
    'settings.deploy': () => deploySettings(store),
    'settings.saveDeploy': (input) => saveDeploySettings(store, input!),
  }
}

function runHandlers({ app }: HandlerContext): HandlersOf<'runs'> {
  const { store } = app
  return {
    'runs.list': (input) =>
      store.listRuns({
        flowId: input?.flowId,
        limit: input?.limit ?? 50,
        offset: input?.offset ?? 0,
      }),
    'runs.get': (input) => store.getRun(input!.runId),
  }
}

function testHandlers({ app }: HandlerContext): HandlersOf<'tests'> {
  const { store } = app
  return {
    'tests.start': (input) => {
      const { flowId, cases, only } = input!
      const flow = store.getFlow(flowId).draft.flow
      const list = (cases ?? flow.tests ?? []) as TestCase[]
      return app.tests.start(flow, list, only)
    },
    'tests.status': (input) => app.tests.status(input!.jobId, input!.since) as TestJobStatus,
    'tests.cancel': (input) => ({ cancelled: app.tests.cancel(input!.jobId) }),
    'tests.caseReport': (input) => app.tests.report(input!.jobId, input!.index),
  }
}

function bundleHandlers({ app, validate }: HandlerContext): HandlersOf<'bundles'> {
  const { store, registry } = app
  return {
    'bundles.export': async (input) => {
      const { fileName, data } = await exportFromStore(
        { app, validate },
        input!.flowIds,
        input!.source === 'draft' ? 'draft' : 'production',
      )
      return { fileName, base64: Buffer.from(data).toString('base64'), size: data.length }
    },
    'bundles.inspect': (input) => {
      try {
        const bundle = readBundle(new Uint8Array(Buffer.from(input!.base64, 'base64')), registry)
        return planImport(bundle, { installer: app.installer, registry })
      } catch (error) {
        if (error instanceof BundleError) throw new ApiFailure('bundle-refused', error.message)
        throw error
      }
    },
    'bundles.import': async (input) => {
      try {
        const bundle = readBundle(new Uint8Array(Buffer.from(input!.base64, 'base64')), registry)
        const result = await importBundle(bundle, {
          store,
          installer: app.installer,
          registry,
          trustPlugins: input!.trustPlugins === true,
        })
        await app.runner.refresh()
        return result
      } catch (error) {
        if (error instanceof UntrustedPluginsError)
          throw new ApiFailure('untrusted-plugins', error.message)
        if (error instanceof BundleError) throw new ApiFailure('bundle-refused', error.message)
        throw error
      }
    },
  }
}

function runnerHandlers({ app }: HandlerContext): HandlersOf<'runner'> {
  return {
    'runner.start': (input) =>
      app.runner.start(input?.port ?? 0).catch((error: Error) => {
        throw new ApiFailure('runner-failed', `The local runner could not start: ${error.message}`)
      }),
    'runner.stop': () => app.runner.stop(),
    'runner.status': () => app.runner.status(),
    'runner.sendEvent': async (input) =>
      EventRouting.parse(await app.runner.sendEvents(input!.event)),
    'runner.remote': (input) =>
      readRemoteRunner(input!.url, input!.token || undefined, input!.runs ?? 5),
  }
}

/** The secrets and environments as the app shows them (names only, never a value). */
function environmentsState({ app }: HandlerContext): EnvironmentsState {
  const { secrets } = app
  return {
    current: secrets.currentEnvironment(),
    environments: secrets.environments(),
    secrets: secrets.list(),
  }
}

/** Runs a change to secrets or environments and answers with the new state (never a value). */
function changeSecrets(ctx: HandlerContext, work: () => void): EnvironmentsState {
  try {
    work()
  } catch (error) {
    if (error instanceof SecretsError) throw new ApiFailure('invalid-secret', error.message)
    throw error
  }
  return environmentsState(ctx)
}

function secretHandlers(ctx: HandlerContext): HandlersOf<'secrets'> {
  const { secrets } = ctx.app
  const environments = () => environmentsState(ctx)
  const change = (work: () => void) => changeSecrets(ctx, work)
  return {
    'secrets.list': () => environments(),
    'secrets.set': (input) =>
      change(() => secrets.set(input!.name, input!.fields, input!.environment ?? null)),
    'secrets.rename': (input) => change(() => secrets.rename(input!.from, input!.to)),
    'secrets.delete': (input) =>
      change(() =>
        secrets.delete(
          input!.name,
          input!.environment === undefined ? undefined : input!.environment,
        ),
      ),
  }
}

function environmentHandlers(ctx: HandlerContext): HandlersOf<'environments'> {
  const { secrets } = ctx.app
  const change = (work: () => void) => changeSecrets(ctx, work)
  return {
    'environments.use': (input) => change(() => secrets.useEnvironment(input!.name)),
    'environments.save': (input) => change(() => secrets.saveEnvironment(input!.name, input!.vars)),
    'environments.delete': (input) => change(() => secrets.deleteEnvironment(input!.name)),
  }
}

/** In a browser the renderer keeps its file input and download; it reads `nativeFiles` to know. */
function nativeOf({ desktop }: HandlerContext): () => DesktopServices {
  return () => {
    if (!desktop)
      throw new ApiFailure(
        'not-available',
        'Native files are not available here: use the file picker and downloads',
      )
    return desktop
  }
}

function fileHandlers(ctx: HandlerContext): HandlersOf<'files'> {
  const native = nativeOf(ctx)
  return {
    'files.open': (input) => native().files.open(input?.kind),
    'files.openRecent': (input) => native().files.openRecent(input!.path),
    'files.recent': () => native().files.recent(),
    'files.save': (input) =>
      native().files.save(input!.fileId, input!.text, input!.overwrite === true),
    'files.saveAs': (input) => native().files.saveAs(input!.text, input!.suggestedName),
    'files.saveBundle': (input) => native().files.saveBundle(input!.base64, input!.suggestedName),
  }
}

function hostHandlers(ctx: HandlerContext): HandlersOf<'host'> {
  const native = nativeOf(ctx)
  return {
    'host.nextCommand': () => native().commands.next(),
  }
}
