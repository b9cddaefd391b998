/**
 * Everything the API implementation needs, created once per process (Electron main, web host,
 * CLI). Adapters receive an AppContext; nothing here knows how it is reached.
 */
import os from 'node:os'
import path from 'node:path'
import type { Flow } from '../src-shared/flow/types'
import { PluginInstaller, pluginsDirOf } from './plugins-host/installer'
import { PluginRegistry } from './plugins-host/registry'
import { Store } from './store/store'
import { LocalRunner } from './runtime/local-runner'
import { TestJobs } from './testing/jobs'
import { ApiEventHub } from './app/event-hub'
import type { KeyProtector } from './secrets/secret-key'
import { loadSecretKey, SecretCipher } from './secrets/secret-key'
import { Secrets } from './secrets/secrets'

export { APP_NAME, APP_VERSION } from './version'
import { APP_NAME } from './version'

export interface AppContext {
  readonly dataDir: string
  readonly mode: 'electron' | 'web'
  readonly registry: PluginRegistry
  readonly installer: PluginInstaller
  /** User plugins that could not be loaded at start, with the reason. */
  readonly pluginProblems: { dir: string; message: string }[]
  readonly store: Store
  /** Secrets (sealed at rest) and environments; runs read the current environment. */
  readonly secrets: Secrets
  readonly tests: TestJobs
  /** The contract's events (run and test progress, runner deliveries) for the adapters to forward. */
  readonly events: ApiEventHub
  readonly runner: LocalRunner
  readonly resolveFlow: (flowId: string) => Flow | undefined
  /** Set when the database was unreadable and moved aside; the UI and CLI say so. */
  readonly recovered: { movedTo: string; reason: string } | null
  close(): Promise<void>
}

/** Same place Electron's `userData` points to for an app named Flowbench, so the CLI and the app share data. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOWBENCH_DATA_DIR) return path.resolve(env.FLOWBENCH_DATA_DIR)
  const home = os.homedir()
  if (process.platform === 'darwin')
    return path.join(home, 'Library', 'Application Support', APP_NAME)
  if (process.platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME)
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME)
}

export async function createAppContext(options: {
  dataDir: string
  mode: 'electron' | 'web'
  nativeBinding?: string
  /** Wraps the secrets key with the OS keychain (Electron's safeStorage). */
  keyProtector?: KeyProtector
}): Promise<AppContext> {
  const registry = PluginRegistry.withBuiltins()
  const installer = new PluginInstaller({ pluginsDir: pluginsDirOf(options.dataDir), registry })
  const { refused } = await installer.loadAll()
  const store = Store.open(options.dataDir, { nativeBinding: options.nativeBinding })
  // Subflows run the production flow, or the draft of a flow never deployed.
  const resolveFlow = (flowId: string) => {
    try {
      return store.production(flowId)?.flow ?? store.getFlow(flowId).draft.flow
    } catch {
      return undefined
    }
  }
  const secrets = new Secrets(
    store.environments,
    new SecretCipher(loadSecretKey({ dataDir: options.dataDir, protector: options.keyProtector })),
  )
  const environment = () => secrets.environment()
  const events = new ApiEventHub()
  const runner = new LocalRunner(store, registry, environment, (status) =>
    events.emit('runnerStatus', status),
  )
  store.journal.onDelivery((delivery) => events.emit('runnerDelivery', delivery))
  return {
    dataDir: options.dataDir,
    mode: options.mode,
    registry,
    installer,
    pluginProblems: refused,
    store,
    secrets,
    tests: new TestJobs(registry, resolveFlow, environment, events),
    events,
    runner,
    resolveFlow,
    recovered: store.recovered ?? null,
    async close() {
      await runner.stop()
      store.close()
    },
  }
}
