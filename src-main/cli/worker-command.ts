/**
 * `flowbench worker --queue redis://… --database postgres://… [--concurrency N]` (design §9):
 * runs the cluster's queued events until SIGINT/SIGTERM, logging one JSON line per run with its
 * run id. Flows come from the database at their current revision (a deploy is picked up without
 * restart); plugin code a bundle carries is loaded only with --trust-plugins, as for serve.
 * Secrets and variables come from FLOWBENCH_SECRET_* / FLOWBENCH_VAR_* or --secrets-file, and
 * with --env NAME from the environment NAME of each revision's bundle.
 */
import { readBundle } from '../bundles/bundle'
import { bundles } from '../cluster/repositories'
import { UNSAFE_NO_PROFILE_LOCK } from '../cluster/run-job'
import { startClusterWorker } from '../cluster/worker'
import { loadFlow } from '../engine/load'
import type { Flow } from '../../src-shared/flow/types'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import { closeAllConnections } from '../../plugins/shared/connections'
import type { PluginInstaller } from '../plugins-host/installer'
import type { PluginRegistry } from '../plugins-host/registry'
import { describeMissing, serveEnvironment } from '../runtime/serve-environment'
import { useBundlePlugins } from './bundle-commands'
import {
  checkClusterQueue,
  openClusterDatabase,
  readSecretsFile,
  untilSignal,
} from './cluster-options'
import type { CliCommand } from './usage'
import { UsageError } from './usage'

export interface WorkerCommandContext {
  registry: PluginRegistry
  installer: PluginInstaller
  env: Record<string, string | undefined>
}

function positiveInt(env: Record<string, string | undefined>, name: string): number | undefined {
  const value = env[name]
  return value && /^\d+$/.test(value) ? Number(value) : undefined
}

export function workerCommand(ctx: WorkerCommandContext): CliCommand {
  return {
    options: {
      queue: { type: 'string' },
      database: { type: 'string' },
      concurrency: { type: 'string' },
      'trust-plugins': { type: 'boolean' },
      'secrets-file': { type: 'string' },
      env: { type: 'string' },
    },
    async handler(positionals, values, io) {
      if (positionals.length > 0)
        throw new UsageError(`worker: unexpected argument "${positionals[0]}"`)
      const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency)
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
        throw new UsageError(
          `worker: --concurrency must be 1–1000, got "${values.concurrency as string}"`,
        )
      const secretsFile = await readSecretsFile(
        'worker',
        values['secrets-file'] as string | undefined,
      )
      const queue = await checkClusterQueue('worker', values.queue as string | undefined)
      // One connection per concurrent run's transaction, plus flow lookups.
      const db = await openClusterDatabase(
        'worker',
        values.database as string | undefined,
        concurrency + 4,
      )
      const log = (entry: object) =>
        io.out(JSON.stringify({ at: new Date().toISOString(), ...entry }))
      const trustPlugins = values['trust-plugins'] === true

      const envName = values.env as string | undefined

      // Once per revision: its bundled plugin code (only when trusted) and its environment —
      // the secrets its flows read (a missing one refuses the revision's jobs, naming it, rather
      // than running with nulls) and the variables of the bundle's --env environment.
      const revisions = new Map<number, Promise<RunEnvironment>>()
      async function prepareRevision(revision: number): Promise<RunEnvironment> {
        const content = await bundles.content(db.pool, revision)
        if (content) {
          const bundle = readBundle(content, ctx.registry)
          try {
            await useBundlePlugins('worker', bundle, {
              registry: ctx.registry,
              installer: ctx.installer,
              trustPlugins,
              io: { out: () => {}, err: () => {} },
            })
          } catch (error) {
            throw new Error(
              `revision ${revision}: ${(error as Error).message.replace('for this command', 'when starting the worker')}`,
            )
          }
        }
        const { manifest, flows } = await bundles.revision(db.pool, revision)
        const environments = (manifest.environments ?? {}) as Record<string, { vars?: object }>
        if (envName !== undefined && content && !Object.hasOwn(environments, envName))
          throw new Error(`revision ${revision}: the bundle has no environment "${envName}"`)
        const { environment, missing } = serveEnvironment({
          flows,
          plugins: ctx.registry,
          env: ctx.env,
          file: secretsFile,
          name: envName ?? 'production',
          vars: envName ? (environments[envName]?.vars as Record<string, unknown>) : undefined,
        })
        if (missing.length > 0)
          throw new Error(
            `revision ${revision} needs secrets this worker lacks: ${describeMissing(missing)}`,
          )
        log({
          level: 'info',
          msg: 'revision loaded',
          revision,
          flows: flows.map((f) => f.id),
          environment: environment.name,
          vars: Object.keys(environment.vars),
        })
        return environment
      }
      async function load(flow: Flow, revision: number) {
        let preparing = revisions.get(revision)
        if (!preparing) {
          preparing = prepareRevision(revision)
          revisions.set(revision, preparing)
          // A refusal is not remembered: the user may fix the worker's environment by restarting
          // it, but a database hiccup must not refuse the revision for good either.
          preparing.catch(() => revisions.delete(revision))
        }
        const environment = await preparing
        return { loaded: loadFlow(flow, ctx.registry), environment }
      }

      const unsafe = ctx.env[UNSAFE_NO_PROFILE_LOCK] === '1'
      if (unsafe)
        log({
          level: 'warn',
          msg: `${UNSAFE_NO_PROFILE_LOCK} is set: profiles are read without their lock and updates WILL be lost (test only)`,
        })
      let worker
      try {
        worker = await startClusterWorker({
          db,
          redisUrl: queue,
          concurrency,
          plugins: ctx.registry,
          environment: () => emptyEnvironment(envName ?? 'production'),
          load,
          log,
          lockProfiles: !unsafe,
          // Shorter in the fault tests, so a killed worker's jobs are handed on quickly.
          lockDurationMs: positiveInt(ctx.env, 'FLOWBENCH_WORKER_LOCK_MS'),
          stalledIntervalMs: positiveInt(ctx.env, 'FLOWBENCH_WORKER_STALLED_MS'),
        })
      } catch (error) {
        await db.close()
        throw error
      }
      await untilSignal()
      log({ level: 'info', msg: 'stopping: finishing the runs in progress' })
      await worker.close()
      await closeAllConnections()
      await db.close()
      log({ level: 'info', msg: 'stopped' })
      return 0
    },
  }
}
