/**
 * The `flowbench` command (design §9). With --data-dir (or FLOWBENCH_DATA_DIR) profiles, sessions, events and runs are kept in that
folder's database; without it they live in memory for the one command.

serve reads each secret a flow needs (secrets.crm.apiKey) from FLOWBENCH_SECRET_CRM_APIKEY
(upper-cased, other characters as _) or from --secrets-file (dotenv, same names), and refuses to
start without it; variables come from the bundle's environment --env NAME and FLOWBENCH_VAR_<NAME>.

Exit codes: 0 success; 1 the flow failed, a test
 * failed or validation found errors; 2 bad usage or unreadable input (one line on stderr).
 */
import { access, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import { APP_VERSION } from '../version'
import { Engine, RunInputError } from '../engine/runner'
import { FlowLoadError } from '../engine/load'
import { MemoryStateStore } from '../engine/state-store'
import type { StateStore } from '../engine/state-store'
import {
  FileInputError,
  findFlowFiles,
  readJsonFile,
  readJsonObjectArg,
  siblingFlowResolver,
} from '../flow-files'
import { toJUnitXml } from '../testing/junit'
import type { SuiteResult } from '../testing/run-tests'
import { runTests } from '../testing/run-tests'
import type { Flow } from '../../src-shared/flow/types'
import { defaultDataDir } from '../app-context'
import { PluginInstaller, pluginsDirOf } from '../plugins-host/installer'
import { PluginRegistry } from '../plugins-host/registry'
import { DatabaseTooNewError } from '../store/database'
import { DATABASE_FILE, Store } from '../store/store'
import {
  exportCommand,
  importCommand,
  keysCommand,
  readBundleFile,
  useBundlePlugins,
} from './bundle-commands'
import { envCommand, openSecrets, secretsCommand } from './secrets-command'
import { environmentRefs } from '../../src-shared/flow/environment-refs'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import { existsSync } from 'node:fs'
import { pluginsCommand } from './plugins-command'
import { serveCommand } from './serve-command'
import { readEvents } from './events-file'
import { formatProblems, formatReport, formatSuites, formatSummary } from './format'
import { runEventStream } from './run-events'
import type { Output } from './usage'
import { processOutput, UsageError } from './usage'

const HELP = `flowbench ${APP_VERSION} — design, test and run event-processing flows

Usage:
  flowbench run <flow.json|bundle> [--event <file|json>] [--profile <file>] [--session <file>] [--json] [--data-dir <dir>] [--trust-plugins] [--env NAME]
  flowbench run <flow.json|bundle> --events <file.ndjson|file.json|file.csv> [--trace summary|full] [--json] [--data-dir <dir>]
  flowbench validate <flow.json> [--json]
  flowbench test <flow.json|bundle|dir> [--junit <file>] [--json] [--trust-plugins] [--env NAME]
  flowbench export <flow.json…> -o <file.flowbundle> [--sign <private key file>]
  flowbench import <file.flowbundle> [--data-dir <dir>]
  flowbench import <file.flowbundle> --trust-plugins | --require-signature <public key file>
  flowbench keys create [--out <dir>]
  flowbench serve <bundle|dir> [--port N] [--host H] [--token T] [--allow-host NAME…] [--data-dir <dir>] [--trust-plugins]
                  [--env NAME] [--secrets-file <file>]
  flowbench plugins list|install <folder|file.tgz|package[@version]> [--yes]|remove <id> [--json] [--data-dir <dir>]
  flowbench secrets set <name> <field>=<value|->… | list | delete <name> | rename <old> <new> [--env NAME] [--data-dir <dir>]
  flowbench env list | use <name> | set <name> <var>=<value>… | unset <name> <var>… [--data-dir <dir>]
  flowbench --help | --version

With --data-dir (or FLOWBENCH_DATA_DIR) profiles, sessions, events and runs are kept in that
folder's database; without it they live in memory for the one command.

A bundle's plugin code runs with your rights, so it is installed or loaded only when you agree:
import lists it (id, version, size, sha256) and refuses it unless you give --trust-plugins, or
--require-signature with the public key of a signer you trust. run and test on a bundle load
plugin code that is not installed only with --trust-plugins.

serve reads each secret a flow needs (secrets.crm.apiKey) from FLOWBENCH_SECRET_CRM_APIKEY
(upper-cased, other characters as _) or from --secrets-file (dotenv, same names), and refuses to
start without it; variables come from the bundle's environment --env NAME and FLOWBENCH_VAR_<NAME>.

Exit codes: 0 success; 1 the flow failed or validation found errors; 2 bad usage or unreadable input.
`

interface Command {
  options: ParseArgsConfig['options']
  handler: (positionals: string[], values: Record<string, unknown>, io: Output) => Promise<number>
}

export interface CliDependencies {
  io?: Output
  /** Where profiles and sessions live; the default keeps them in memory for the process. */
  store?: StateStore
  /** The process environment serve reads secrets and variables from (tests pass their own). */
  env?: Record<string, string | undefined>
}

function parse(command: string, argv: string[], options: ParseArgsConfig['options']) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (error) {
    const message = (error as Error).message
      .split('\n')[0]!
      .replace(/\. To specify a positional argument.*$/, '')
    throw new UsageError(`${command}: ${message}`)
  }
}

function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0)
    throw new UsageError(`${command}: missing ${what}. See flowbench --help`)
  if (positionals.length > 1)
    throw new UsageError(`${command}: unexpected argument "${positionals[1]}"`)
  return positionals[0]!
}

/** The SQLite store when a data directory is given (flag or FLOWBENCH_DATA_DIR); otherwise state lives in memory. */
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
function dataDirOf(argv: string[]): string | undefined {
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

async function loadFlowDocument(file: string): Promise<unknown> {
  return readJsonFile(file)
}

export async function main(argv: string[], deps: CliDependencies = {}): Promise<number> {
  const io = deps.io ?? processOutput
  // User plugins live in the data directory; flows that use them must run from the CLI too.
  const registry = PluginRegistry.withBuiltins()
  const dataDirArg = dataDirOf(argv)
  const pluginsDataDir = dataDirArg
    ? path.resolve(dataDirArg)
    : (process.env.FLOWBENCH_DATA_DIR ?? defaultDataDir())
  const installer = new PluginInstaller({ pluginsDir: pluginsDirOf(pluginsDataDir), registry })
  const { refused } = await installer.loadAll()
  for (const problem of refused) io.err(`flowbench: warning: ${problem.message}`)

  const bundleContext = {
    registry,
    installer,
    openStore: (dataDir: string | undefined) =>
      openStoreFor(dataDir, io) ?? openStoreFor(pluginsDataDir, io)!,
  }

  const secretsContext = {
    openStore: (dataDir: string | undefined) =>
      openStoreFor(dataDir, io) ?? openStoreFor(pluginsDataDir, io)!,
    dataDirOf: (dataDir: string | undefined) => (dataDir ? path.resolve(dataDir) : pluginsDataDir),
  }

  /**
   * The environment flows run in: `--env NAME` (or the data directory's current one) when the
   * flows read secrets or variables; undefined when they read neither and no --env was given.
   */
  const environmentFor = (
    flows: unknown[],
    values: Record<string, unknown>,
  ): RunEnvironment | undefined => {
    const name = values.env as string | undefined
    if (!name && !flows.some((flow) => environmentRefs(flow, registry).length > 0)) return undefined
    const dataDir = values['data-dir'] as string | undefined
    // Nothing is created just to find out there are no secrets: an app folder never used is empty.
    const explicit = dataDir ?? process.env.FLOWBENCH_DATA_DIR
    if (!name && !explicit && !existsSync(path.join(pluginsDataDir, DATABASE_FILE)))
      return emptyEnvironment()
    const store = secretsContext.openStore(dataDir)
    try {
      const secrets = openSecrets(store, secretsContext.dataDirOf(dataDir))
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
  }

  const commands: Record<string, Command> = {
    secrets: secretsCommand(secretsContext),
    env: envCommand(secretsContext),
    export: exportCommand(bundleContext),
    import: importCommand(bundleContext),
    keys: keysCommand(),
    serve: serveCommand({ ...bundleContext, env: deps.env ?? process.env }),
    plugins: pluginsCommand({ registry, installer, env: deps.env ?? process.env }),
    validate: {
      options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
      async handler(positionals, values) {
        const file = onePositional('validate', positionals, 'the flow file')
        const flow = await loadFlowDocument(file)
        const problems = validateFlow(flow, { plugins: registry })
        if (values.json)
          io.out(JSON.stringify({ file, valid: !hasErrors(problems), problems }, null, 2))
        else io.out(formatProblems(file, problems))
        return hasErrors(problems) ? 1 : 0
      },
    },
    test: {
      options: {
        junit: { type: 'string' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'trust-plugins': { type: 'boolean' },
        env: { type: 'string' },
      },
      async handler(positionals, values) {
        const target = onePositional(
          'test',
          positionals,
          'a flow file, a bundle or a folder of flows',
        )
        const suites: SuiteResult[] = []
        if (target.endsWith('.flowbundle')) {
          const bundle = await readBundleFile(target, registry)
          const trustPlugins = values['trust-plugins'] === true
          await useBundlePlugins('test', bundle, { registry, installer, trustPlugins, io })
          const byId = new Map(bundle.flows.map((f) => [f.flow.id, f.flow]))
          const environment = environmentFor(
            bundle.flows.map((f) => f.flow),
            values,
          )
          for (const { flow } of bundle.flows) {
            suites.push(
              await runTests(flow, flow.tests ?? [], {
                plugins: registry,
                resolveFlow: (id) => byId.get(id),
                environment,
              }),
            )
          }
        }
        const files = target.endsWith('.flowbundle') ? [] : await findFlowFiles(target)
        if (files.length === 0 && suites.length === 0) {
          throw new UsageError(`test: no flow files (*.flow.json or flow.json) in ${target}`)
        }
        for (const file of files) {
          const flow = (await readJsonFile(file)) as Flow
          const cases = Array.isArray(flow?.tests) ? flow.tests : []
          const siblings = siblingFlowResolver(path.dirname(path.resolve(file)))
          const environment = environmentFor([flow], values)
          suites.push(
            await runTests(flow, cases, { plugins: registry, resolveFlow: siblings, environment }),
          )
        }
        if (values.junit) await writeFile(values.junit as string, toJUnitXml(suites))
        const passed = suites.reduce((n, s) => n + s.passed, 0)
        const failed = suites.reduce((n, s) => n + s.failed, 0)
        if (values.json) io.out(JSON.stringify({ passed, failed, suites }, null, 2))
        else io.out(formatSuites(suites, passed, failed))
        return failed === 0 ? 0 : 1
      },
    },
    run: {
      options: {
        event: { type: 'string' },
        events: { type: 'string' },
        profile: { type: 'string' },
        session: { type: 'string' },
        trace: { type: 'string' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'trust-plugins': { type: 'boolean' },
        env: { type: 'string' },
      },
      async handler(positionals, values) {
        const file = onePositional('run', positionals, 'the flow file or bundle')
        const trace = (values.trace as string | undefined) ?? undefined
        if (trace !== undefined && trace !== 'summary' && trace !== 'full') {
          throw new UsageError(`run: --trace must be "summary" or "full", got "${trace}"`)
        }
        if (values.events && values.event)
          throw new UsageError('run: give either --event or --events, not both')
        const bundle = file.endsWith('.flowbundle') ? await readBundleFile(file, registry) : null
        const trustPlugins = values['trust-plugins'] === true
        if (bundle) await useBundlePlugins('run', bundle, { registry, installer, trustPlugins, io })
        const flow = bundle ? bundle.flows[0]!.flow : await loadFlowDocument(file)
        const store = openStoreFor(values['data-dir'] as string | undefined, io)
        const bundled = new Map((bundle?.flows ?? []).map((f) => [f.flow.id, f.flow]))
        const siblings = bundle
          ? async (id: string) => bundled.get(id)
          : siblingFlowResolver(path.dirname(path.resolve(file)))
        const engine = new Engine({
          plugins: registry,
          store: deps.store ?? store?.state ?? new MemoryStateStore(),
          // Subflows: the flow files beside this one first, then the production flows of the store.
          resolveFlow: async (id) => (await siblings(id)) ?? store?.production(id)?.flow,
          environment: environmentFor([flow, ...bundled.values()], values),
        })
        try {
          let loaded
          try {
            loaded = engine.load(flow)
          } catch (error) {
            store?.close()
            if (!(error instanceof FlowLoadError)) throw error
            const problems = error.problems
            if (values.json) io.out(JSON.stringify({ file, valid: false, problems }, null, 2))
            else io.out(formatProblems(file, problems))
            return 1
          }

          if (values.events) {
            const eventsFile = values.events as string
            await access(eventsFile).catch(() => {
              throw new FileInputError(`${eventsFile}: no such file`)
            })
            const summary = await runEventStream(engine, loaded, readEvents(eventsFile), {
              trace: (trace as 'summary' | 'full' | undefined) ?? 'summary',
            })
            if (values.json) io.out(JSON.stringify(summary))
            else io.out(formatSummary(summary))
            return summary.failed > 0 ? 1 : 0
          }

          const event = values.event ? await readJsonObjectArg(values.event as string, 'event') : {}
          const profile = values.profile
            ? await readJsonObjectArg(values.profile as string, 'profile')
            : undefined
          const session = values.session
            ? await readJsonObjectArg(values.session as string, 'session')
            : undefined
          const report = await engine.run(loaded, {
            event,
            profile,
            session,
            trace: (trace as 'summary' | 'full' | undefined) ?? 'full',
            trigger: { type: 'cli' },
          })
          store?.recordRun(report)
          if (values.json) io.out(JSON.stringify(report, null, 2))
          else io.out(formatReport(report))
          return report.success ? 0 : 1
        } finally {
          store?.close()
        }
      },
    },
  }

  try {
    const [name, ...rest] = argv
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(HELP)
      return name ? 0 : 2
    }
    if (name === '--version' || name === '-v') {
      io.out(APP_VERSION)
      return 0
    }
    const command = commands[name]
    if (!command) throw new UsageError(`unknown command "${name}". See flowbench --help`)
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(HELP)
      return 0
    }
    const { positionals, values } = parse(name, rest, command.options)
    return await command.handler(positionals, values as Record<string, unknown>, io)
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof FileInputError ||
      error instanceof RunInputError
    ) {
      io.err(`flowbench: ${error.message}`)
      return 2
    }
    io.err(`flowbench: unexpected error: ${(error as Error).stack ?? String(error)}`)
    return 1
  }
}
