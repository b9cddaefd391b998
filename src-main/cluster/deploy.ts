/**
 * Deploying to a cluster (`flowbench deploy`, and `serve --database` for what it serves): the
 * flows, checked by the caller as `import` checks them, stored as one new revision — unless the
 * same content is there already, which is answered with its revision and stored no second time.
 */
import { createHash } from 'node:crypto'
import type { Flow } from '../../src-shared/flow/types'
import type { ClusterDatabase } from './database'
import { bundles } from './repositories'

export interface ClusterDeployment {
  flows: Flow[]
  /** The bundle's zip (where workers find bundled plugin code); null for a folder of flows. */
  content: Uint8Array | null
  /** The plugins the bundle carries, by content digest. */
  plugins: { id: string; version: string; sha256: string }[]
  /** Kept with the revision for people looking at the database. */
  manifest: Record<string, unknown>
}

export interface DeployResult {
  revision: number
  /** False when this content was deployed before (nothing was written). */
  created: boolean
  flows: string[]
}

/**
 * What makes two deployments the same revision: the flows and the plugin code, not when or by
 * what the bundle was made (an export of unchanged flows is not a new revision).
 */
export function deploymentDigest(deployment: Pick<ClusterDeployment, 'flows' | 'plugins'>): string {
  const flows = [...deployment.flows].sort((a, b) => a.id.localeCompare(b.id))
  const plugins = [...deployment.plugins].sort((a, b) => a.id.localeCompare(b.id))
  return createHash('sha256').update(JSON.stringify({ flows, plugins })).digest('hex')
}

export async function deployToCluster(
  db: ClusterDatabase,
  deployment: ClusterDeployment,
): Promise<DeployResult> {
  const sha256 = deploymentDigest(deployment)
  const { revision, created } = await db.transaction((client) =>
    bundles.deploy(client, {
      sha256,
      manifest: deployment.manifest,
      content: deployment.content,
      flows: deployment.flows,
    }),
  )
  return { revision, created, flows: deployment.flows.map((f) => f.id) }
}
