/**
 * The `flowbench` command (design §9): parses the command line, builds the context every
 * command shares, and maps errors to exit codes — 0 success; 1 the flow failed, a test failed or
 * validation found errors; 2 bad usage or unreadable input (one line on stderr). Each command is
 * its own module (`*-command.ts`), a thin caller of the application layer.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { defaultDataDir } from '../app-context'
import { RunInputError } from '../engine/runner'
import type { StateStore } from '../engine/state-store'
import { FileInputError } from '../flow-files'
import { PluginInstaller, pluginsDirOf } from '../plugins-host/installer'
import { PluginRegistry } from '../plugins-host/registry'
import { APP_VERSION } from '../version'
import { exportCommand, importCommand, keysCommand } from './bundle-commands'
import { createCliContext, dataDirOf } from './context'
import { deployCommand } from './deploy-command'
import { pluginsCommand } from './plugins-command'
import { replayCommand } from './replay-command'
import { runCommand } from './run-command'
import { envCommand, secretsCommand } from './secrets-command'
import { serveCommand } from './serve-command'
import { testCommand } from './test-command'
import type { CliCommand, Output } from './usage'
import { processOutput, UsageError } from './usage'
import { validateCommand } from './validate-command'
import { workerCommand } from './worker-command'

const HELP = `flowbench ${APP_VERSION} — design, test and run event-processing flows

Usage:
  flowbench run <flow.json|bundle> [--event <file|json>] [--profile <file>] [--session <file>] [--json] [--data-dir <dir>] [--trust-plugins] [--env NAME]
  flowbench run <flow.json|bundle> --events <file.ndjson|file.json|file.csv> [--trace summary|full] [--json] [--data-dir <dir>]
  flowbench validate <flow.json> [--json]
  flowbench test <flow.json|bundle|dir> [--junit <file>] [--json] [--trust-plugins] [--env NAME]
                 [--coverage] [--coverage-json <file>] [--min-coverage <pct>]
  flowbench replay <flow.json|data-dir> --events <file> | --since <duration> [--against production|<flow file>]
                   [--flow <id>] [--json] [--data-dir <dir>] [--env NAME]
  flowbench export <flow.json…> -o <file.flowbundle> [--sign <private key file>]
  flowbench import <file.flowbundle> [--data-dir <dir>]
  flowbench import <file.flowbundle> --trust-plugins | --require-signature <public key file>
  flowbench keys create [--out <dir>]
  flowbench serve <bundle|dir> [--port N] [--host H] [--token T] [--allow-host NAME…] [--data-dir <dir>] [--trust-plugins]
                  [--env NAME] [--secrets-file <file>] [--threads N]
  flowbench serve <bundle|dir> --queue <redis-url> --database <postgres-url> [--port N] [--host H] [--token T] [--trust-plugins]
  flowbench deploy <file.flowbundle> --database <postgres-url> [--json]
  flowbench worker --queue <redis-url> --database <postgres-url> [--concurrency N] [--trust-plugins] [--env NAME] [--secrets-file <file>]
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
serve runs flows on --threads worker threads (default: one per core; 0: on its main thread) and
acknowledges an event only once it is synced to disk.

On a cluster, serve with --queue and --database only ingests: each accepted event is committed to
PostgreSQL, queued on Redis (BullMQ) and acknowledged; any number of flowbench worker processes run
them, each event's effect on profiles and runs exactly once. deploy stores a bundle in the database
(workers run each flow's newest revision without restarting); serve deploys what it serves. Redis
must use maxmemory-policy noeviction (and AOF for durability).

test --coverage counts, per flow, the nodes that ran, the output ports that fired (error ports
where an edge handles them), the flow.if/flow.switch outcomes taken and the edges that carried
data; a subflow's runs count toward its own flow. --min-coverage fails a flow whose node, port or
branch figure is below the percentage.

replay runs each event (an NDJSON/JSON/CSV file, or what serve and the app's runner journaled in
the last --since 30m|24h|7d) through the draft — or the flow file given — and through production
— or the --against file — each from the profile as it was, in memory, with http.request answered
from the recorded run or mocked, never the network. It prints what differs (status, path, profile
and session changes, node outputs) grouped with example events; --json prints
{ events, differing, groups, invalid, answered }. It exits 1 when any event behaves differently.

Exit codes: 0 success; 1 the flow failed, a test failed, coverage is below --min-coverage, replay
found differences or validation found errors; 2 bad usage or unreadable input.
`

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
  const ctx = createCliContext({ io, registry, installer, pluginsDataDir, stateStore: deps.store })

  const commands: Record<string, CliCommand> = {
    run: runCommand(ctx),
    validate: validateCommand(ctx),
    test: testCommand(ctx),
    replay: replayCommand(ctx),
    export: exportCommand(ctx),
    import: importCommand(ctx),
    keys: keysCommand(),
    serve: serveCommand({ ...ctx, env: deps.env ?? process.env }),
    plugins: pluginsCommand({ ...ctx, env: deps.env ?? process.env }),
    secrets: secretsCommand(ctx),
    deploy: deployCommand(ctx),
    worker: workerCommand({ ...ctx, env: deps.env ?? process.env }),
    env: envCommand(ctx),
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
