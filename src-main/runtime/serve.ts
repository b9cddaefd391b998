/**
 * The headless runner (design §8): serves production flows over HTTP — webhooks at
 * `POST /hooks/<path>`, schedules, and a small API. It is a composition: the journal worker
 * (journal-worker.ts) runs every accepted event exactly once, the schedules (schedules.ts) journal
 * their ticks, and the routes (serve-routes.ts) run on the shared HTTP stack (src-main/http).
 */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import type { Flow } from '../../src-shared/flow/types'
import type { LoadedFlow, PluginSource } from '../engine/load'
import { Redactor, secretValues } from '../engine/redact'
import { isLoopback } from '../http/host-rules'
import { problem } from '../http/problem'
import type { Log, LogEntry } from '../http/server'
import { createHttpServer, jsonLog } from '../http/server'
import type { RunnerLock } from '../store/runner-lock'
import type { Store } from '../store/store'
import type { ExecutionBackend } from './backend'
import type { ServedFlow } from './journal-worker'
import type { LocalBackendOptions } from './local-backend'
import { defaultThreadCount } from './flow-threads'
import { LocalBackend } from './local-backend'
import { pythonHost } from '../../plugins/code.python/host'
import type { MqttTriggers } from './mqtt-triggers'
import { MQTT_TRIGGER, startMqttTriggers } from './mqtt-triggers'
import type { Schedules } from './schedules'
import { startSchedules } from './schedules'
import { registerServeRoutes } from './serve-routes'
import { describeMissing, missingSecrets } from './serve-environment'

export const DEFAULT_BODY_LIMIT = 1024 * 1024

/** A backend serve can run on: it also loads the served flows as its runs will see them. */
export interface ServeBackend extends ExecutionBackend {
  load(flow: Flow): LoadedFlow
  /** Runs the served flows' schedules itself (a cluster fires each tick once across nodes). */
  startSchedules?(flows: ServedFlow[], log: Log): Promise<Schedules>
}

export interface ServeOptions {
  flows: { flow: Flow; revision: number | null }[]
  /** The data directory's store, for the local backend (the default). */
  store?: Store
  /**
   * Another backend than the local journal (the cluster's, src-main/cluster); it gets what the
   * local one would. No store is needed then.
   */
  backend?: (context: Omit<LocalBackendOptions, 'store'>) => ServeBackend
  plugins: PluginSource
  host?: string
  port?: number
  token?: string
  bodyLimit?: number
  /**
   * More names the server answers to besides the ones it is bound to (a reverse proxy's or a
   * tunnel's host name). Any other Host header is refused, which is what stops DNS rebinding.
   */
  allowedHosts?: string[]
  /** Who holds the data directory's runner lock, as a refused second runner is told. */
  runnerName?: string
  /** One entry per log line; JSON lines on stdout when left out. */
  log?: (entry: LogEntry) => void
  /**
   * The secrets and variables the flows run with (design §3), or a function returning the current
   * ones. When given, serving refuses to start while a served flow needs a secret it lacks.
   */
  environment?: RunEnvironment | (() => RunEnvironment)
  /**
   * Worker threads that run the flows, so a busy flow never delays an acknowledgement and every
   * core is used. Default: one per core; 0 runs flows on the main thread, one at a time.
   */
  threads?: number
  /** A run on a flow thread still going after this is taken for hung and marked failed. */
  runTimeoutMs?: number
  /** Sync each acknowledged event to disk before the answer (default true; off for benchmarks). */
  syncAcknowledgements?: boolean
}

/** A served flow reads a secret the environment does not define. */
export class MissingSecretsError extends Error {
  constructor(readonly missing: ReturnType<typeof missingSecrets>) {
    super(`missing secrets: ${describeMissing(missing)}`)
    this.name = 'MissingSecretsError'
  }
}

export interface Server {
  url: string
  port: number
  /** The webhooks served, and the schedules with their next run. */
  routes(): {
    hooks: { flowId: string; path: string }[]
    schedules: { flowId: string; next: string | null; description: string }[]
  }
  /** Waits until every journaled event has run (tests and shutdown use it). */
  drained(): Promise<void>
  /** Stops accepting, lets in-flight runs finish, stops schedules. */
  close(): Promise<void>
}

export async function serve(options: ServeOptions): Promise<Server> {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host) && !options.token)
    throw new Error(
      `Refusing to listen on ${host} without a token: give --token to serve beyond this machine`,
    )
  // Before the journal is touched: a second runner on this data directory would run its
  // events again and overwrite the first one's profile updates.
  const lock = options.backend
    ? null
    : options.store?.lockRunner(options.runnerName ?? 'flowbench serve')
  try {
    return await startServing(options, host, lock ?? null)
  } catch (error) {
    lock?.release()
    throw error
  }
}

async function startServing(
  options: ServeOptions,
  host: string,
  lock: RunnerLock | null,
): Promise<Server> {
  const none = emptyEnvironment('production')
  const environment = (): RunEnvironment =>
    typeof options.environment === 'function'
      ? options.environment()
      : (options.environment ?? none)
  if (options.environment) {
    const missing = missingSecrets(
      options.flows.map((f) => f.flow),
      environment(),
      options.plugins,
    )
    if (missing.length > 0) throw new MissingSecretsError(missing)
  }
  // What serve itself writes (its log, its error answers) passes the same redaction as reports.
  let redactor: { secrets: RunEnvironment['secrets']; redactor: Redactor } | null = null
  const redact = <T>(value: T): T => {
    const { secrets } = environment()
    if (redactor?.secrets !== secrets)
      redactor = { secrets, redactor: new Redactor(secretValues(secrets)) }
    return redactor.redactor.empty ? value : redactor.redactor.value(value)
  }
  const write = options.log ?? jsonLog
  const log = (entry: LogEntry): void => write(redact(entry))
  const flows = new Map<string, ServedFlow>()
  const hooks = new Map<string, ServedFlow>()
  const resolveFlow = (id: string) => flows.get(id)?.flow
  const context = {
    plugins: options.plugins,
    environment,
    resolveFlow,
    served: (id: string) => flows.get(id),
    servedFlows: () => flows.values(),
    threads: options.threads ?? defaultThreadCount(),
    runTimeoutMs: options.runTimeoutMs,
    syncAcknowledgements: options.syncAcknowledgements,
    log,
  }
  let backend: ServeBackend
  if (options.backend) backend = options.backend(context)
  else if (options.store) backend = new LocalBackend({ ...context, store: options.store })
  else throw new Error('serve needs a data directory or a cluster backend')
  for (const { flow, revision } of options.flows) {
    const served = { flow, revision, loaded: backend.load(flow) }
    flows.set(flow.id, served)
    const entry = served.loaded.entry.node
    if (entry.plugin === 'trigger.webhook') {
      const path = String((entry.config as { path?: unknown }).path ?? '').replace(/^\/+/, '')
      if (hooks.has(path))
        throw new Error(
          `Flows "${hooks.get(path)!.flow.id}" and "${flow.id}" both serve /hooks/${path}`,
        )
      hooks.set(path, served)
    }
  }

  let stopping = false
  const http = createHttpServer({
    host,
    port: options.port,
    allowedHosts: options.allowedHosts,
    token: options.token,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    log,
    redact,
    internalMessage: 'Internal error',
    unavailable: () => (stopping ? problem(503, 'Shutting down') : null),
  })
  registerServeRoutes(http.app, { flows, hooks, backend, environment, log })
  let schedules: Schedules
  try {
    schedules = backend.startSchedules
      ? await backend.startSchedules([...flows.values()], log)
      : startSchedules(flows.values(), (flowId, event) => {
          backend.submit(flowId, event, 'schedule', null).catch((error: unknown) =>
            log({
              level: 'error',
              msg: 'schedule tick not journaled',
              flowId,
              reason: String(error),
            }),
          )
        })
  } catch (error) {
    await backend.close()
    throw error
  }
  // MQTT triggers: each message is journaled like a webhook call (see runtime/mqtt-triggers.ts).
  let mqttTriggers: MqttTriggers | null = null
  let port: number
  try {
    const mqttFlows = [...flows.values()]
      .filter((s) => s.loaded.entry.node.plugin === MQTT_TRIGGER)
      .map((s) => ({ flowId: s.flow.id, config: s.loaded.entry.node.config }))
    if (mqttFlows.length > 0)
      mqttTriggers = await startMqttTriggers({
        flows: mqttFlows,
        secrets: () => environment().secrets,
        submit: (flowId, event) =>
          backend.submit(flowId, event, 'mqtt', null).then(
            () => undefined,
            (error: unknown) =>
              log({ level: 'error', msg: 'message not journaled', flowId, reason: String(error) }),
          ),
        log,
      })
    port = await http.listen()
  } catch (error) {
    schedules.stop()
    await mqttTriggers?.close()
    await backend.close()
    throw error
  }
  log({
    level: 'info',
    msg: 'serving',
    host,
    port,
    flows: [...flows.keys()],
    hooks: [...hooks.keys()].map((h) => `/hooks/${h}`),
  })
  backend.start() // Events a crash left pending run now, once each.
  // Start the Python sandboxes now, so the first event of a flow with Python code does not wait.
  if ([...flows.values()].some((s) => s.flow.nodes.some((n) => n.plugin === 'code.python')))
    void pythonHost()
      .warmUp()
      .catch((error: unknown) =>
        log({ level: 'warn', msg: `Python did not start: ${(error as Error).message}` }),
      )

  return {
    url: http.url,
    port,
    routes() {
      return {
        hooks: [...hooks.entries()].map(([path, served]) => ({ flowId: served.flow.id, path })),
        schedules: schedules.list(),
      }
    },
    drained: () => backend.drained(),
    async close() {
      stopping = true
      schedules.stop()
      await mqttTriggers?.close()
      const finishing = backend.close()
      await http.close()
      await finishing
      lock?.release()
      log({ level: 'info', msg: 'stopped' })
    },
  }
}
