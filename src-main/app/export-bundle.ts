/**
 * "Export a bundle" from the app's store: production revisions (what serve would run) or the
 * drafts, with their test cases, the user plugins they need and the environments' variables.
 * The CLI exports flow files instead (cli/bundle-commands.ts); both end in bundles/createBundle.
 */
import { ApiFailure } from '../../src-shared/api/result'
import type { Problem } from '../../src-shared/flow/types'
import type { AppContext } from '../app-context'
import { APP_VERSION } from '../version'
import type { BundledPlugin, BundleFlow } from '../bundles/bundle'
import { BundleError, createBundle } from '../bundles/bundle'

/**
 * What an exported bundle is called: one flow's names its revision (`orders-r3.flowbundle`, or
 * `orders-draft.flowbundle` for an undeployed draft), so two exports never pass for each other.
 */
export function bundleFileName(flows: BundleFlow[]): string {
  if (flows.length !== 1) return 'flows.flowbundle'
  const { flow, revision } = flows[0]!
  return `${flow.id}-${revision === null ? 'draft' : `r${revision}`}.flowbundle`
}

/** The flows a bundle ships: each one's production revision, or its draft when asked. */
function flowsToShip(
  app: AppContext,
  validate: (flow: unknown) => Problem[],
  flowIds: string[],
  source: 'production' | 'draft',
): BundleFlow[] {
  const { store } = app
  return flowIds.map((id) => {
    if (source === 'draft') {
      const draft = store.getFlow(id).draft.flow
      const errors = validate(draft).filter((p) => p.severity === 'error')
      if (errors.length > 0)
        throw new ApiFailure(
          'invalid-flow',
          `Export refused: the draft of "${id}" has ${errors.length} error${errors.length === 1 ? '' : 's'} (first: ${errors[0]!.message})`,
          errors,
        )
      return { flow: { ...draft, tests: store.listTestCases(id) }, revision: null }
    }
    const production = store.production(id)
    if (!production)
      throw new ApiFailure(
        'not-deployed',
        `Flow "${id}" has never been deployed; bundles carry production flows`,
      )
    return {
      flow: { ...production.flow, tests: store.listTestCases(id) },
      revision: production.revision,
    }
  })
}

export async function exportFromStore(
  { app, validate }: { app: AppContext; validate: (flow: unknown) => Problem[] },
  flowIds: string[],
  source: 'production' | 'draft',
): Promise<{ fileName: string; data: Uint8Array }> {
  const flows = flowsToShip(app, validate, flowIds, source)
  const userPlugins = new Map<string, BundledPlugin>()
  for (const p of app.installer.list()) {
    const files = await app.installer.filesOf(p.id)
    if (files) userPlugins.set(p.id, files)
  }
  try {
    const data = createBundle(flows, {
      appVersion: APP_VERSION,
      plugins: app.registry,
      pluginFiles: (id) => userPlugins.get(id),
      // Variables travel with the bundle; secrets stay here (the manifest names them).
      environments: Object.fromEntries(
        app.secrets.environments().map((e) => [e.name, { vars: e.vars }]),
      ),
    })
    return { fileName: bundleFileName(flows), data }
  } catch (error) {
    if (error instanceof BundleError) throw new ApiFailure('export-refused', error.message)
    throw error
  }
}
