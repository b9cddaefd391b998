import type { FlowDetails, FlowSummary, PluginSummary, TestJobStatus } from '../../src-shared/api/contract'
import type { TestCase } from '../../src-shared/flow/types'
import { FlowLoadError } from '../engine/load'
import { Engine, RunInputError } from '../engine/runner'
import { PluginRefusedError } from '../plugins-host/registry'
import { ApiFailure } from '../../src-shared/api/result'
import { validateFlow } from '../../src-shared/flow/validate'
import { APP_NAME, APP_VERSION } from '../app-context'
import type { AppContext } from '../app-context'
import { newFlowDocument } from '../flow-documents'
import type { ApiHandlers } from './dispatch'

function asApiFailure(error: unknown): never {
  if (error instanceof PluginRefusedError) throw new ApiFailure('plugin-refused', error.message)
  throw error
}

/** The one implementation of the API contract. */
export function createApiHandlers(app: AppContext): ApiHandlers {
  const { store, registry } = app
  const validate = (flow: unknown) => validateFlow(flow, { plugins: registry })

  return {
    'app.info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      dataDir: app.dataDir,
      pluginCount: registry.size,
      platform: process.platform,
      mode: app.mode,
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

    'flows.list': (input) => store.listFlows({ includeDeleted: input?.includeDeleted ?? false }) as FlowSummary[],
    'flows.create': (input) => {
      const taken = new Set(store.listFlows({ includeDeleted: true }).map((f) => f.id))
      const flow = newFlowDocument(input ?? {}, taken)
      store.createFlow(flow)
      return store.getFlow(flow.id) as unknown as FlowDetails
    },
    'flows.get': (input) => store.getFlow(input!.id) as unknown as FlowDetails,
    'flows.saveDraft': (input) => {
      const { id, baseVersion, flow, text } = input!
      const saved = store.saveDraft(id, baseVersion, text ?? flow)
      const draft = store.getFlow(id).draft.flow
      return { ...saved, problems: validate(draft) }
    },
    'flows.deploy': (input) => {
      const deployed = store.deploy(input!.id, { note: input!.note, validate })
      return { revision: deployed.revision, deployedAt: deployed.deployedAt }
    },
    'flows.history': (input) => store.history(input!.id),
    'flows.revert': (input) => store.revert(input!.id, input!.revision),
    'flows.duplicate': (input) => store.duplicate(input!.id, input!.newId, input!.name) as FlowSummary,
    'flows.delete': (input) => {
      store.delete(input!.id)
      return { deleted: true as const }
    },
    'flows.restore': (input) => store.restore(input!.id) as FlowSummary,
    'flows.emptyTrash': () => ({ removed: store.emptyTrash() }),
    'runs.list': (input) => store.listRuns({ flowId: input?.flowId, limit: input?.limit ?? 50, offset: input?.offset ?? 0 }),
    'flows.run': async (input) => {
      const { id, event, profile, session, mocks, production } = input!
      const source = production ? store.production(id) : null
      if (production && !source) throw new ApiFailure('not-deployed', `Flow "${id}" has no production revision yet`)
      const record = store.getFlow(id)
      const flow = source ? source.flow : record.draft.flow
      const engine = new Engine({ plugins: registry, store: store.state, resolveFlow: app.resolveFlow })
      let loaded
      try {
        loaded = engine.load(flow)
      } catch (error) {
        if (error instanceof FlowLoadError) throw new ApiFailure('invalid-flow', error.message, error.problems)
        throw error
      }
      let report
      try {
        report = await engine.run(loaded, { event, profile, session, mocks, testing: !!mocks, flowVersion: source?.revision ?? null, trigger: { type: 'designer' } })
      } catch (error) {
        if (error instanceof RunInputError) throw new ApiFailure('bad-event', error.message)
        throw error
      }
      store.recordRun(report)
      return report as unknown as Record<string, unknown>
    },
    'tests.start': (input) => {
      const { flowId, cases, only } = input!
      const flow = store.getFlow(flowId).draft.flow
      const list = (cases ?? flow.tests ?? []) as TestCase[]
      return app.tests.start(flow, list, only)
    },
    'tests.status': (input) => app.tests.status(input!.jobId, input!.since) as TestJobStatus,
    'tests.cancel': (input) => ({ cancelled: app.tests.cancel(input!.jobId) }),
    'tests.caseReport': (input) => app.tests.report(input!.jobId, input!.index) as unknown as Record<string, unknown>,
    'runs.get': (input) => store.getRun(input!.runId) as unknown as Record<string, unknown>,
  }
}
