/**
 * One accepted event run to completion in ONE PostgreSQL transaction (design §8, issue 16):
 *
 *   1. claim the inbox row in `processed_events` — a repeated delivery finds it and stops;
 *   2. the profile (and session) row created when missing and locked FOR UPDATE *before* it is
 *      read — two events of one profile then run one after the other, never on the same copy;
 *   3. the flow run by the engine, on a state store over this transaction's client;
 *   4. the profile/session/event changes, the run (with the revision it ran) and the outcome
 *      saved; COMMIT. A crash anywhere before COMMIT leaves nothing behind, and the job runs again.
 *
 * Used by the workers for queued events and by the ingest node for direct runs.
 */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { LoadedFlow, PluginSource } from '../engine/load'
import type { RunOptions } from '../engine/runner'
import { Engine, RunInputError } from '../engine/runner'
import type { RunCommit, StateStore } from '../engine/state-store'
import type { ClusterDatabase } from './database'
import type { ProcessedStatus, Queryable } from './repositories'
import { bundles, processed, runs, state } from './repositories'

/**
 * Test-only: reads profiles without the row lock, to show the lost updates the lock prevents
 * (test/cluster/exactly-once.test.ts). Never set it anywhere else.
 */
export const UNSAFE_NO_PROFILE_LOCK = 'FLOWBENCH_UNSAFE_NO_PROFILE_LOCK'

export interface DeployedRevision {
  flow: Flow
  revision: number
  loaded: LoadedFlow
  /** The secrets and variables this revision runs with, when they are the revision's own. */
  environment?: RunEnvironment
}

/** How a worker loads a deployed flow (plugin trust, its revision's environment). */
export type LoadDeployed = (
  flow: Flow,
  revision: number,
) => Promise<{ loaded: LoadedFlow; environment?: RunEnvironment }>

/**
 * The current deployed revision of each flow, loaded once per revision. Asked on every job, so
 * a deploy is picked up by running workers without a restart.
 */
export class DeployedFlows {
  private readonly loaded = new Map<string, DeployedRevision>()

  constructor(
    private readonly db: ClusterDatabase,
    private readonly load: LoadDeployed,
  ) {}

  async current(flowId: string, db: Queryable = this.db.pool): Promise<DeployedRevision | null> {
    const revision = await bundles.currentRevision(db, flowId)
    return revision === null ? null : this.at(flowId, revision, db)
  }

  /** A flow at a revision, loaded once. */
  async at(
    flowId: string,
    revision: number,
    db: Queryable = this.db.pool,
  ): Promise<DeployedRevision | null> {
    const key = `${flowId}\u001f${revision}`
    const known = this.loaded.get(key)
    if (known) return known
    const flow = await bundles.flowAt(db, flowId, revision)
    if (!flow) return null
    const deployed = { flow, revision, ...(await this.load(flow, revision)) }
    // Older revisions of this flow are not run again.
    for (const k of this.loaded.keys()) if (k.startsWith(`${flowId}\u001f`)) this.loaded.delete(k)
    this.loaded.set(key, deployed)
    return deployed
  }
}

export interface RunJobContext {
  db: ClusterDatabase
  plugins: PluginSource
  environment: () => RunEnvironment
  flows: DeployedFlows
  /** False only for the lost-update control test. */
  lockProfiles: boolean
}

export interface JobOutcome {
  /** `repeat`: processed before (a second delivery); `missing`: no such inbox row. */
  status: ProcessedStatus | 'repeat' | 'missing'
  runId: string | null
  flowId: string | null
  revision: number | null
  durationMs?: number
}

/**
 * An engine whose runs read (and lock) profiles and sessions through this transaction. Runs go
 * through `execute`, which hands back the commit: it is written below, in the same transaction
 * as the run and its outcome.
 */
function txEngine(
  ctx: Pick<RunJobContext, 'plugins' | 'environment' | 'flows' | 'lockProfiles'>,
  client: Queryable,
  environment: RunEnvironment | (() => RunEnvironment) = ctx.environment,
): Engine {
  const store: StateStore = {
    loadProfile: (id) => state.lockProfile(client, id, ctx.lockProfiles),
    loadSession: (id) => state.lockSession(client, id, ctx.lockProfiles),
    commit: () => {
      throw new Error('cluster runs are executed, never committed by the engine')
    },
  }
  return new Engine({
    plugins: ctx.plugins,
    store,
    // Subflows run at their current revision too.
    resolveFlow: async (id) => (await ctx.flows.current(id))?.flow,
    environment,
  })
}

/** Runs one inbox row, exactly once in effect however often it is delivered. */
export async function runInboxItem(ctx: RunJobContext, inboxId: string): Promise<JobOutcome> {
  return ctx.db.transaction(async (client) => {
    const claim = await processed.claimItem(client, inboxId)
    if (!claim) return { status: 'missing', runId: null, flowId: null, revision: null }
    const { item } = claim
    if (!claim.claimed)
      return { status: 'repeat', runId: null, flowId: item.flowId, revision: null }
    const deployed =
      claim.revision === null ? null : await ctx.flows.at(item.flowId, claim.revision)
    let report: ExecutionReport | null = null
    let commit: RunCommit | null = null
    if (deployed) {
      try {
        const executed = await txEngine(ctx, client, deployed.environment).execute(
          deployed.loaded,
          {
            event: item.event,
            flowVersion: deployed.revision,
            trace: 'summary',
            trigger: { type: item.source },
          },
        )
        report = executed.report
        commit = executed.commit
      } catch (error) {
        if (!(error instanceof RunInputError)) throw error
      }
    }
    const revision = deployed?.revision ?? null
    const status: ProcessedStatus = report ? report.status : 'refused'
    await processed.finishRun(client, inboxId, {
      status,
      report,
      revision,
      commit: report?.success ? commit : null,
    })
    return {
      status,
      runId: report?.runId ?? null,
      flowId: item.flowId,
      revision,
      durationMs: report?.durationMs,
    }
  })
}

/** A run with its profile/session given in the request: not queued, but saved the same way. */
export async function runDirect(
  ctx: Omit<RunJobContext, 'flows'> & { flows: DeployedFlows },
  loaded: LoadedFlow,
  revision: number | null,
  input: RunOptions,
): Promise<ExecutionReport> {
  return ctx.db.transaction(async (client) => {
    const { report, commit } = await txEngine(ctx, client).execute(loaded, input)
    if (report.success && commit) await state.save(client, commit)
    await runs.record(client, report, revision, null)
    return report
  })
}
