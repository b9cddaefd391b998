/** Writes a checked bundle into a data directory: its plugins, then its flows, all or nothing. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Flow, Problem } from '../../src-shared/flow/types'
import type { PluginInstaller } from '../plugins-host/installer'
import type { Store } from '../store/store'
import { BundleError } from './bundle'
import type { ReadBundle } from './bundle'

export interface ImportResult {
  flows: { id: string; revision: number }[]
  plugins: string[]
}

export async function importBundle(bundle: ReadBundle, target: { store: Store; installer: PluginInstaller; validate: (flow: Flow) => Problem[] }): Promise<ImportResult> {
  const installed: string[] = []
  const before = new Set(target.installer.list().map((p) => p.id))
  try {
    for (const plugin of bundle.plugins) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'flowbench-bundle-plugin-'))
      try {
        for (const [relative, data] of Object.entries(plugin.files)) {
          const file = path.join(dir, relative)
          await mkdir(path.dirname(file), { recursive: true })
          await writeFile(file, data)
        }
        await target.installer.install(dir)
        if (!before.has(plugin.id)) installed.push(plugin.id)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
    const { store } = target
    // One transaction: a flow that cannot be deployed leaves every other flow as it was.
    const flows = store.db.transaction(() => {
      const done: { id: string; revision: number }[] = []
      for (const { flow } of bundle.flows) {
        const existing = store.listFlows({ includeDeleted: true }).find((f) => f.id === flow.id)
        if (!existing) store.createFlow(flow)
        else {
          if (existing.deletedAt) store.restore(flow.id)
          store.saveDraft(flow.id, store.getFlow(flow.id).draft.version, flow)
        }
        const deployed = store.deploy(flow.id, { note: `Imported from a bundle made ${bundle.manifest.createdAt}`, validate: target.validate })
        done.push({ id: flow.id, revision: deployed.revision })
      }
      return done
    })()
    return { flows, plugins: installed }
  } catch (error) {
    for (const id of installed) await target.installer.remove(id).catch(() => undefined)
    if (error instanceof BundleError) throw error
    throw new BundleError(`The bundle could not be imported: ${(error as Error).message}`)
  }
}
