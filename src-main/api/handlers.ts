import type {
  EnvironmentsState,
  FlowSummary,
  PluginSummary,
  TestJobStatus,
} from '../../src-shared/api/contract'
import type { TestCase } from '../../src-shared/flow/types'
import { flowUpTo } from '../../src-shared/flow/graph'
import { FlowLoadError } from '../engine/load'
import { RunInputError } from '../engine/runner'
import { runFlowOnce } from '../app/flow-runs'
import { deployDraft, deploySettings, saveDeploySettings, testDraft } from '../app/deploy'
import type { DeployContext } from '../app/deploy'
import { runProgressOf } from '../../src-shared/api/events'
import { PluginRefusedError } from '../plugins-host/registry'
import type { BundledPlugin, BundleFlow } from '../bundles/bundle'
import { BundleError, createBundle, readBundle } from '../bundles/bundle'
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

/**
 * What an exported bundle is called: one flow's names its revision (`orders-r3.flowbundle`, or
 * `orders-draft.flowbundle` for an undeployed draft), so two exports never pass for each other.
 */
export function bundleFileName(flows: BundleFlow[]): string {
  if (flows.length !== 1) return 'flows.flowbundle'
  const { flow, revision } = flows[0]!
  return `${flow.id}-${revision === null ? 'draft' : `r${revision}`}.flowbundle`
}

/** The one implementation of the API contract. */
export function createApiHandlers(app: AppContext, desktop?: DesktopServices): ApiHandlers {
  const { store, registry } = app
  const { secrets } = app
  // Problems name the secrets and variables the current environment lacks.
  const validate = (flow: unknown) =>
    validateFlow(flow, { plugins: registry, environment: secrets.names() })
  const environments = (): EnvironmentsState => ({
    current: secrets.currentEnvironment(),
    environments: secrets.environments(),
    secrets: secrets.list(),
  })
  /** Runs a change to secrets or environments and answers with the new state (never a value). */
  const change = (work: () => void): EnvironmentsState => {
    try {
      work()
    } catch (error) {
      if (error instanceof SecretsError) throw new ApiFailure('invalid-secret', error.message)
      throw error
    }
    return environments()
  }

  const deploying: DeployContext = {
    store,
    plugins: registry,
    resolveFlow: app.resolveFlow,
    environment: () => secrets.environment(),
    validate,
  }

  /** In a browser the renderer keeps its file input and download; it reads `nativeFiles` to know. */
  const native = (): DesktopServices => {
    if (!desktop)
      throw new ApiFailure(
        'not-available',
        'Native files are not available here: use the file picker and downloads',
      )
    return desktop
  }

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
    'settings.deploy': () => deploySettings(store),
    'settings.saveDeploy': (input) => saveDeploySettings(store, input!),
    'bundles.export': async (input) => {
      const flows: BundleFlow[] = []
      const fromDraft = input!.source === 'draft'
      for (const id of input!.flowIds) {
        if (fromDraft) {
          const draft = store.getFlow(id).draft.flow
          const errors = validate(draft).filter((p) => p.severity === 'error')
          if (errors.length > 0)
            throw new ApiFailure(
              'invalid-flow',
              `Export refused: the draft of "${id}" has ${errors.length} error${errors.length === 1 ? '' : 's'} (first: ${errors[0]!.message})`,
              errors,
            )
          flows.push({ flow: { ...draft, tests: store.listTestCases(id) }, revision: null })
          continue
        }
        const production = store.production(id)
        if (!production)
          throw new ApiFailure(
            'not-deployed',
            `Flow "${id}" has never been deployed; bundles carry production flows`,
          )
        flows.push({
          flow: { ...production.flow, tests: store.listTestCases(id) },
          revision: production.revision,
        })
      }
      const userPlugins = new Map<string, BundledPlugin>()
      for (const p of app.installer.list()) {
        const files = await app.installer.filesOf(p.id)
        if (files) userPlugins.set(p.id, files)
      }
      try {
        const data = createBundle(flows, {
          appVersion: APP_VERSION,
          plugins: registry,
          pluginFiles: (id) => userPlugins.get(id),
          // Variables travel with the bundle; secrets stay here (the manifest names them).
          environments: Object.fromEntries(
            secrets.environments().map((e) => [e.name, { vars: e.vars }]),
          ),
        })
        const fileName = bundleFileName(flows)
        return { fileName, base64: Buffer.from(data).toString('base64'), size: data.length }
      } catch (error) {
        if (error instanceof BundleError) throw new ApiFailure('export-refused', error.message)
        throw error
      }
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
    'runs.list': (input) =>
      store.listRuns({
        flowId: input?.flowId,
        limit: input?.limit ?? 50,
        offset: input?.offset ?? 0,
      }),
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
    'tests.start': (input) => {
      const { flowId, cases, only } = input!
      const flow = store.getFlow(flowId).draft.flow
      const list = (cases ?? flow.tests ?? []) as TestCase[]
      return app.tests.start(flow, list, only)
    },
    'tests.status': (input) => app.tests.status(input!.jobId, input!.since) as TestJobStatus,
    'tests.cancel': (input) => ({ cancelled: app.tests.cancel(input!.jobId) }),
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
    'environments.use': (input) => change(() => secrets.useEnvironment(input!.name)),
    'environments.save': (input) => change(() => secrets.saveEnvironment(input!.name, input!.vars)),
    'environments.delete': (input) => change(() => secrets.deleteEnvironment(input!.name)),
    'tests.caseReport': (input) => app.tests.report(input!.jobId, input!.index),
    'runs.get': (input) => store.getRun(input!.runId),
    'files.open': (input) => native().files.open(input?.kind),
    'files.openRecent': (input) => native().files.openRecent(input!.path),
    'files.recent': () => native().files.recent(),
    'files.save': (input) =>
      native().files.save(input!.fileId, input!.text, input!.overwrite === true),
    'files.saveAs': (input) => native().files.saveAs(input!.text, input!.suggestedName),
    'files.saveBundle': (input) => native().files.saveBundle(input!.base64, input!.suggestedName),
    'host.nextCommand': () => native().commands.next(),
  }
}
