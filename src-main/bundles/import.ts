/**
 * Writes a checked bundle into a data directory: its plugins, then its flows, all or nothing.
 *
 * A bundle is data until the user trusts its plugins. `planImport` says what an import would do
 * (for the CLI's listing and the app's confirm dialog) without running anything. `importBundle`
 * refuses a bundle whose plugin code is not installed here unless `trustPlugins` is set, and
 * validates the flows against the plugins' declared metadata before any code runs, so a bundle
 * whose flows are broken never gets its code executed.
 */
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import type { Flow, Problem } from '../../src-shared/flow/types'
import type { PluginLookup, PluginMeta } from '../../src-shared/plugin-sdk'
import type { PendingPlugins, PluginInstaller } from '../plugins-host/installer'
import { PluginRefusedError } from '../plugins-host/registry'
import type { PluginRegistry } from '../plugins-host/registry'
import type { Store } from '../store/store'
import { BundleError } from './bundle'
import type { ReadBundle, ReadPlugin } from './bundle'
import { parseSignature } from './signing'

export interface ImportResult {
  flows: { id: string; revision: number }[]
  plugins: string[]
}

/** One bundled plugin as the user is shown it before agreeing to install it. */
export interface PluginPlanItem {
  id: string
  version: string
  size: number
  sha256: string
  /** `keep`: this exact version is installed already and stays; the others install the bundle's code. */
  action: 'install' | 'replace' | 'keep'
  installedVersion: string | null
}

export interface ImportPlan {
  appVersion: string
  createdAt: string
  flows: { id: string; name: string; revision: number | null }[]
  plugins: PluginPlanItem[]
  /** True when importing would install plugin code, which needs the user's agreement. */
  needsTrust: boolean
  /** The signer's key fingerprint when the bundle is signed (checked only against a key the user gives). */
  signedBy: string | null
}

/** Refused because the bundle carries plugin code the user has not agreed to install. */
export class UntrustedPluginsError extends BundleError {
  constructor(readonly plugins: PluginPlanItem[]) {
    super(
      `The bundle carries plugin code that is not installed here: ${plugins.map((p) => `${p.id}@${p.version}`).join(', ')}. ` +
        'Nothing was imported; import it again trusting its plugins to install them',
    )
    this.name = 'UntrustedPluginsError'
  }
}

export interface ImportTarget {
  store: Store
  installer: PluginInstaller
  registry: PluginRegistry
  /** The user agreed to install and run the bundle's plugin code. */
  trustPlugins?: boolean
}

/** What importing this bundle would do; runs nothing and writes nothing. */
export function planImport(
  bundle: ReadBundle,
  target: Pick<ImportTarget, 'installer' | 'registry'>,
): ImportPlan {
  const plugins = bundle.plugins.map((plugin): PluginPlanItem => {
    if (target.registry.originOf(plugin.id) === 'builtin')
      throw new BundleError(`The bundle carries code for ${plugin.id}, which is a built-in plugin`)
    const installedVersion = target.installer.installedVersion(plugin.id)
    const action =
      installedVersion === null
        ? 'install'
        : installedVersion === plugin.version
          ? 'keep'
          : 'replace'
    return {
      id: plugin.id,
      version: plugin.version,
      size: plugin.size,
      sha256: plugin.sha256,
      action,
      installedVersion,
    }
  })
  let signedBy: string | null = null
  try {
    signedBy = parseSignature(bundle.signatureBytes)?.publicKeyFingerprint ?? null
  } catch {
    signedBy = null
  }
  return {
    appVersion: bundle.manifest.appVersion,
    createdAt: bundle.manifest.createdAt,
    flows: bundle.manifest.flows.map((f) => ({ id: f.id, name: f.name, revision: f.revision })),
    plugins,
    needsTrust: plugins.some((p) => p.action !== 'keep'),
    signedBy,
  }
}

function problemsText(flow: Flow, problems: Problem[]): string {
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.nodeId ? `${p.nodeId}: ` : ''}${p.message}`)
    .join('; ')
    .concat(` (flow "${flow.id}")`)
}

function checkFlows(bundle: ReadBundle, plugins: PluginLookup): void {
  for (const { flow } of bundle.flows) {
    const problems = validateFlow(flow, { plugins })
    if (hasErrors(problems))
      throw new BundleError(
        `The bundle's flow "${flow.id}" has errors: ${problemsText(flow, problems)}`,
      )
  }
}

/**
 * Checks a bundle's flows as import does — against installed plugins and what the bundle
 * declares of its own — without loading any of its code (`flowbench deploy` to a cluster).
 */
export function checkBundleFlows(bundle: ReadBundle, registry: PluginRegistry): void {
  const declared = new Map<string, PluginMeta>()
  for (const plugin of bundle.plugins) {
    if (registry.originOf(plugin.id) === 'builtin')
      throw new BundleError(`The bundle carries code for ${plugin.id}, which is a built-in plugin`)
    if (plugin.meta) declared.set(plugin.id, plugin.meta)
  }
  checkFlows(bundle, { get: (id) => declared.get(id) ?? registry.get(id) })
}

export async function importBundle(
  bundle: ReadBundle,
  target: ImportTarget,
): Promise<ImportResult> {
  const plan = planImport(bundle, target)
  const toInstall = plan.plugins.filter((p) => p.action !== 'keep')
  if (toInstall.length > 0 && !target.trustPlugins) throw new UntrustedPluginsError(toInstall)

  // Validate against what the bundle declares, before any of its code is loaded.
  const declared = new Map<string, PluginMeta>()
  for (const item of toInstall) {
    const plugin = bundle.plugins.find((p) => p.id === item.id) as ReadPlugin
    if (!plugin.meta)
      throw new BundleError(
        `The bundle does not describe plugin ${plugin.id} (it was made by an older Flowbench), so its flows cannot be checked without running its code; export it again`,
      )
    declared.set(plugin.id, plugin.meta)
  }
  const declaredLookup: PluginLookup = { get: (id) => declared.get(id) ?? target.registry.get(id) }
  checkFlows(bundle, declaredLookup)

  let pending: PendingPlugins | null = null
  try {
    let lookup: PluginLookup = target.registry
    if (toInstall.length > 0) {
      // Only now, trusted and with every data check passed, is the code loaded (once), before
      // the flows are written, so a plugin that is not what it declared rolls everything back.
      pending = await target.installer.installBundled(
        toInstall.map((item) => bundle.plugins.find((p) => p.id === item.id)!),
      )
      const loaded = new Map<string, PluginMeta>(pending.definitions.map((d) => [d.id, d]))
      lookup = { get: (id) => loaded.get(id) ?? target.registry.get(id) }
      checkFlows(bundle, lookup)
    }
    const validate = (flow: Flow) => validateFlow(flow, { plugins: lookup })
    const { store } = target
    // One transaction: a flow that cannot be deployed leaves every other flow as it was.
    const flows = store.inTransaction(() => {
      const done: { id: string; revision: number }[] = []
      for (const { flow } of bundle.flows) {
        const existing = store.listFlows({ includeDeleted: true }).find((f) => f.id === flow.id)
        if (!existing) store.createFlow(flow)
        else {
          if (existing.deletedAt) store.restore(flow.id)
          store.saveDraft(flow.id, store.getFlow(flow.id).draft.version, flow)
        }
        const deployed = store.deploy(flow.id, {
          note: `Imported from a bundle made ${bundle.manifest.createdAt}`,
          validate,
        })
        done.push({ id: flow.id, revision: deployed.revision })
      }
      return done
    })
    const installed = pending ? await pending.commit() : []
    return { flows, plugins: installed.map((p) => p.id) }
  } catch (error) {
    await pending?.rollback()
    if (error instanceof BundleError) throw error
    if (error instanceof PluginRefusedError)
      throw new BundleError(`The bundle could not be imported: ${error.message}`)
    throw new BundleError(`The bundle could not be imported: ${(error as Error).message}`)
  }
}
