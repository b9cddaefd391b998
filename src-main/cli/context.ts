/**
 * What every command gets: output, the plugin registry (built-ins plus the data directory's
 * installed plugins), and the ways to reach a data directory's store and environment. Built
 * once per `flowbench` call by main.ts; commands are thin callers of the application layer.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import { environmentRefs } from '../../src-shared/flow/environment-refs'
import type { StateStore } from '../engine/state-store'
import type { PluginInstaller } from '../plugins-host/installer'
import type { PluginRegistry } from '../plugins-host/registry'
import { DatabaseTooNewError } from '../store/database'
import { DATABASE_FILE, Store } from '../store/store'
import { openSecrets } from './secrets-command'
import type { Output } from './usage'
import { UsageError } from './usage'

export interface CliContext {
  io: Output
  registry: PluginRegistry
  installer: PluginInstaller
  /** `--data-dir`, else FLOWBENCH_DATA_DIR, else the app's folder: where plugins live. */
  pluginsDataDir: string
  /** Tests give their own state store; the default keeps state in memory for the command. */
  stateStore?: StateStore
  /** The store of `--data-dir` or FLOWBENCH_DATA_DIR; null when neither is given. */
  openStoreIfGiven(dataDir: string | undefined): Store | null
  /** The store of `--data-dir`, FLOWBENCH_DATA_DIR or the app's folder. */
  openStore(dataDir: string | undefined): Store
  dataDirOf(dataDir: string | undefined): string
  /**
   * The environment flows run in: `--env NAME` (or the data directory's current one) when the
   * flows read secrets or variables; undefined when they read neither and no --env was given.
   */
  environmentFor(flows: unknown[], values: Record<string, unknown>): RunEnvironment | undefined
}

export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0)
    throw new UsageError(`${command}: missing ${what}. See flowbench --help`)
  if (positionals.length > 1)
    throw new UsageError(`${command}: unexpected argument "${positionals[1]}"`)
  return positionals[0]!
}

/** The SQLite store when a data directory is given (flag or FLOWBENCH_DATA_DIR); otherwise null. */
function openStoreFor(dataDir: string | undefined, io: Output): Store | null {
  const dir = dataDir ?? process.env.FLOWBENCH_DATA_DIR
  if (!dir) return null
  let store: Store
  try {
    store = Store.open(path.resolve(dir))
  } catch (error) {
    if (error instanceof DatabaseTooNewError) throw new UsageError(error.message)
    throw new UsageError(`cannot open the data directory ${dir}: ${(error as Error).message}`)
  }
  if (store.recovered) io.err(`flowbench: warning: ${store.recovered.reason}`)
  return store
}

/** `--data-dir X` or `--data-dir=X`, read before the command parses its options. */
export function dataDirOf(argv: string[]): string | undefined {
  let found: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg === '--data-dir' && argv[i + 1]) found = argv[++i]
    else if (arg.startsWith('--data-dir=') && arg.length > '--data-dir='.length)
      found = arg.slice('--data-dir='.length)
  }
  return found
}

export function createCliContext(options: {
  io: Output
  registry: PluginRegistry
  installer: PluginInstaller
  pluginsDataDir: string
  stateStore?: StateStore
}): CliContext {
  const { io, registry, pluginsDataDir } = options
  const context: CliContext = {
    ...options,
    openStoreIfGiven: (dataDir) => openStoreFor(dataDir, io),
    openStore: (dataDir) => openStoreFor(dataDir, io) ?? openStoreFor(pluginsDataDir, io)!,
    dataDirOf: (dataDir) => (dataDir ? path.resolve(dataDir) : pluginsDataDir),
    environmentFor(flows, values) {
      const name = values.env as string | undefined
      if (!name && !flows.some((flow) => environmentRefs(flow, registry).length > 0))
        return undefined
      const dataDir = values['data-dir'] as string | undefined
      // Nothing is created just to find out there are no secrets: an app folder never used is empty.
      const explicit = dataDir ?? process.env.FLOWBENCH_DATA_DIR
      if (!name && !explicit && !existsSync(path.join(pluginsDataDir, DATABASE_FILE)))
        return emptyEnvironment()
      const store = context.openStore(dataDir)
      try {
        const secrets = openSecrets(store, context.dataDirOf(dataDir))
        if (name && !secrets.environments().some((e) => e.name === name))
          throw new UsageError(`--env: there is no environment "${name}" (see flowbench env list)`)
        try {
          return secrets.environment(name)
        } catch (error) {
          throw new UsageError((error as Error).message)
        }
      } finally {
        store.close()
      }
    },
  }
  return context
}
