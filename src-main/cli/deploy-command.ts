/**
 * `flowbench deploy <bundle> --database postgres://…` (design §9): checks the bundle as `import`
 * does and stores it in the cluster's database as a new revision; workers run it from their next
 * job on. The same content deployed again is not stored twice.
 */
import { checkBundleFlows } from '../bundles/import'
import { BundleError } from '../bundles/bundle'
import type { ReadBundle } from '../bundles/bundle'
import type { ClusterDatabase } from '../cluster/database'
import type { DeployResult } from '../cluster/deploy'
import { deployToCluster } from '../cluster/deploy'
import { FileInputError } from '../flow-files'
import type { PluginRegistry } from '../plugins-host/registry'
import { readFile } from 'node:fs/promises'
import { readBundleFile } from './bundle-commands'
import { onePositional } from './context'
import type { CliContext } from './context'
import { openClusterDatabase } from './cluster-options'
import type { CliCommand } from './usage'

/** Stores a read bundle (checked here) in the cluster's database. */
export async function deployBundle(
  db: ClusterDatabase,
  file: string,
  bundle: ReadBundle,
  registry: PluginRegistry,
): Promise<DeployResult> {
  try {
    checkBundleFlows(bundle, registry)
  } catch (error) {
    if (error instanceof BundleError) throw new FileInputError(`${file}: ${error.message}`)
    throw error
  }
  return deployToCluster(db, {
    flows: bundle.flows.map((f) => f.flow),
    content: await readFile(file),
    plugins: bundle.plugins.map((p) => ({ id: p.id, version: p.version, sha256: p.sha256 })),
    manifest: { ...bundle.manifest, file },
  })
}

export function deployCommand(ctx: Pick<CliContext, 'registry'>): CliCommand {
  return {
    options: { database: { type: 'string' }, json: { type: 'boolean' } },
    async handler(positionals, values, io) {
      const file = onePositional('deploy', positionals, 'the .flowbundle file')
      const bundle = await readBundleFile(file, ctx.registry)
      const db = await openClusterDatabase('deploy', values.database as string | undefined)
      try {
        const result = await deployBundle(db, file, bundle, ctx.registry)
        io.out(
          values.json
            ? JSON.stringify(result)
            : result.created
              ? `Deployed ${result.flows.join(', ')} as revision ${result.revision}`
              : `Already deployed as revision ${result.revision} (${result.flows.join(', ')}); nothing stored`,
        )
        return 0
      } finally {
        await db.close()
      }
    },
  }
}
