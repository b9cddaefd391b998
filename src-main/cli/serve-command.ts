/**
 * `flowbench serve <bundle|dir>` (design §8): runs the production flows over HTTP until SIGINT or
 * SIGTERM. Secrets come from the process environment or --secrets-file, never from the bundle.
 */
import { closeAllConnections } from '../../plugins/shared/connections'
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import type { Flow } from '../../src-shared/flow/types'
import { FileInputError, findFlowFiles, readJsonFile } from '../flow-files'
import type { PluginInstaller } from '../plugins-host/installer'
import type { PluginRegistry } from '../plugins-host/registry'
import { serve } from '../runtime/serve'
import { describeMissing, serveEnvironment } from '../runtime/serve-environment'
import type { Store } from '../store/store'
import type { ReadBundle } from '../bundles/bundle'
import { DistributedBackend } from '../cluster/distributed-backend'
import { deployToCluster } from '../cluster/deploy'
import { readBundleFile, useBundlePlugins } from './bundle-commands'
import {
  checkClusterQueue,
  openClusterDatabase,
  readSecretsFile,
  untilSignal,
} from './cluster-options'
import { deployBundle } from './deploy-command'
import { formatProblems } from './format'
import type { CliCommand, Output } from './usage'
import { UsageError } from './usage'

export interface ServeCommandContext {
  registry: PluginRegistry
  installer: PluginInstaller
  openStore: (dataDir: string | undefined) => Store
  /** The process environment (tests pass their own). */
  env: Record<string, string | undefined>
}

export function serveCommand(ctx: ServeCommandContext): CliCommand {
  const { registry, installer } = ctx
  return {
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      'trust-plugins': { type: 'boolean' },
      env: { type: 'string' },
      'secrets-file': { type: 'string' },
      queue: { type: 'string' },
      database: { type: 'string' },
      threads: { type: 'string' },
    },
    async handler(positionals, values, io) {
      if (positionals.length === 0)
        throw new UsageError('serve: missing a bundle or a folder of flows. See flowbench --help')
      if (positionals.length > 1)
        throw new UsageError(`serve: unexpected argument "${positionals[1]}"`)
      const target = positionals[0]!
      const port = values.port === undefined ? 8787 : Number(values.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`serve: --port must be 0–65535, got "${values.port as string}"`)
      const threads = values.threads === undefined ? undefined : Number(values.threads)
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 256))
        throw new UsageError(
          `serve: --threads must be a whole number 0–256, got "${values.threads as string}"`,
        )
      const envName = values.env as string | undefined
      const cluster = values.queue !== undefined || values.database !== undefined
      if (cluster && values['data-dir'] !== undefined)
        throw new UsageError(
          'serve: --data-dir is not used with --queue/--database (state lives in the database)',
        )
      let bundleFile: ReadBundle | null = null
      const flows: { flow: Flow; revision: number | null }[] = []
      let envVars: Record<string, unknown> | undefined
      if (target.endsWith('.flowbundle')) {
        const bundle = await readBundleFile(target, registry)
        bundleFile = bundle
        if (envName !== undefined) {
          const environments = bundle.manifest.environments ?? {}
          if (!Object.hasOwn(environments, envName)) {
            const known = Object.keys(environments)
            throw new UsageError(
              `serve: the bundle has no environment "${envName}" (it has ${known.length ? known.join(', ') : 'none'})`,
            )
          }
          envVars = environments[envName]!.vars
        }
        // Plugin code that travels in the bundle runs only when the user trusts it, and is
        // loaded for this process only: serving a bundle installs nothing.
        await useBundlePlugins('serve', bundle, {
          registry,
          installer,
          trustPlugins: values['trust-plugins'] === true,
          io,
          keepFiles: true,
        })
        flows.push(...bundle.flows)
      } else
        for (const file of await findFlowFiles(target))
          flows.push({ flow: (await readJsonFile(file)) as Flow, revision: null })
      if (flows.length === 0) throw new UsageError(`serve: no flows in ${target}`)
      for (const { flow } of flows) {
        const problems = validateFlow(flow, { plugins: registry })
        if (hasErrors(problems)) {
          io.out(formatProblems(String(flow.id), problems))
          io.err(`flowbench: serve refused: flow ${String(flow.id)} has errors`)
          return 1
        }
      }

      const secretsFile = values['secrets-file'] as string | undefined
      const { environment, missing, unsetVars } = serveEnvironment({
        flows: flows.map((f) => f.flow),
        plugins: registry,
        env: ctx.env,
        file: await readSecretsFile('serve', secretsFile),
        name: envName ?? 'production',
        vars: envVars,
      })
      // Before anything listens: a flow that would read a secret as null must not be served.
      if (missing.length > 0)
        throw new UsageError(`serve: missing secrets: ${describeMissing(missing)}`)
      for (const unset of unsetVars)
        io.err(
          `flowbench: warning: vars.${unset.name} has no value (set ${unset.variable} or use --env)`,
        )

      if (cluster)
        return serveCluster(
          { target, bundle: bundleFile, flows, environment, values, io, registry },
          values.queue as string | undefined,
          values.database as string | undefined,
        )

      const store = ctx.openStore(values['data-dir'] as string | undefined)
      let server
      try {
        server = await serve({
          flows,
          store,
          plugins: registry,
          host: values.host as string | undefined,
          port,
          token: values.token as string | undefined,
          allowedHosts: values['allow-host'] as string[] | undefined,
          environment,
          threads,
          // Only to measure what the sync before each acknowledgement costs (npm run bench).
          syncAcknowledgements: ctx.env.FLOWBENCH_UNSAFE_NO_ACK_SYNC !== '1',
          log: (entry) => io.out(JSON.stringify({ at: new Date().toISOString(), ...entry })),
        })
      } catch (error) {
        store.close()
        throw new UsageError(`serve: ${(error as Error).message}`)
      }
      // Runs until SIGINT/SIGTERM: stop accepting, let in-flight runs finish, then exit.
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGTERM', stop)
        process.once('SIGINT', stop)
      })
      await server.close()
      // The connectors' pooled connections (PostgreSQL, Redis, MQTT, SMTP) would keep the
      // process alive; they are closed once no run uses them.
      await closeAllConnections()
      store.close()
      return 0
    },
  }
}

/**
 * `serve --queue … --database …`: this process only ingests. The bundle or folder is deployed to
 * the database first when that content is not there yet, so workers can run it.
 */
async function serveCluster(
  given: {
    target: string
    bundle: ReadBundle | null
    flows: { flow: Flow; revision: number | null }[]
    environment: ReturnType<typeof serveEnvironment>['environment']
    values: Record<string, unknown>
    io: Output
    registry: PluginRegistry
  },
  queueUrl: string | undefined,
  databaseUrl: string | undefined,
): Promise<number> {
  const { values, io, registry } = given
  const queue = await checkClusterQueue('serve', queueUrl)
  const db = await openClusterDatabase('serve', databaseUrl)
  let server
  try {
    const deployed = given.bundle
      ? await deployBundle(db, given.target, given.bundle, registry)
      : await deployToCluster(db, {
          flows: given.flows.map((f) => f.flow),
          content: null,
          plugins: [],
          manifest: { folder: given.target },
        })
    const log = (entry: object) =>
      io.out(JSON.stringify({ at: new Date().toISOString(), ...entry }))
    log({
      level: 'info',
      msg: deployed.created ? 'deployed' : 'already deployed',
      revision: deployed.revision,
      flows: deployed.flows,
    })
    server = await serve({
      flows: given.flows.map(({ flow }) => ({ flow, revision: deployed.revision })),
      plugins: registry,
      backend: (context) =>
        new DistributedBackend({
          db,
          redisUrl: queue,
          plugins: context.plugins,
          environment: context.environment,
          log: context.log,
        }),
      host: values.host as string | undefined,
      port: values.port === undefined ? 8787 : Number(values.port),
      token: values.token as string | undefined,
      allowedHosts: values['allow-host'] as string[] | undefined,
      environment: given.environment,
      log,
    })
  } catch (error) {
    await db.close().catch(() => {})
    if (error instanceof UsageError || error instanceof FileInputError) throw error
    throw new UsageError(`serve: ${(error as Error).message}`)
  }
  await untilSignal()
  await server.close()
  await closeAllConnections()
  return 0
}
