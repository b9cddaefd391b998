/**
 * The `flowbench` command (design §9). Exit codes: 0 success; 1 the flow failed, a test
 * failed or validation found errors; 2 bad usage or unreadable input (one line on stderr).
 */
import { access } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import { APP_VERSION } from '../version'
import { Engine, RunInputError } from '../engine/runner'
import { FlowLoadError } from '../engine/load'
import { MemoryStateStore } from '../engine/state-store'
import type { StateStore } from '../engine/state-store'
import { FileInputError, readJsonFile, readJsonObjectArg, siblingFlowResolver } from '../flow-files'
import { PluginRegistry } from '../plugins-host/registry'
import { readEvents } from './events-file'
import { formatProblems, formatReport, formatSummary } from './format'
import { runEventStream } from './run-events'
import type { Output } from './usage'
import { processOutput, UsageError } from './usage'

const HELP = `flowbench ${APP_VERSION} — design, test and run event-processing flows

Usage:
  flowbench run <flow.json> [--event <file|json>] [--profile <file>] [--session <file>] [--json]
  flowbench run <flow.json> --events <file.ndjson|file.json|file.csv> [--trace summary|full] [--json]
  flowbench validate <flow.json> [--json]
  flowbench --help | --version

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
}

function parse(command: string, argv: string[], options: ParseArgsConfig['options']) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')
    throw new UsageError(`${command}: ${message}`)
  }
}

function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: missing ${what}. See flowbench --help`)
  if (positionals.length > 1) throw new UsageError(`${command}: unexpected argument "${positionals[1]}"`)
  return positionals[0]!
}

async function loadFlowDocument(file: string): Promise<unknown> {
  return readJsonFile(file)
}

export async function main(argv: string[], deps: CliDependencies = {}): Promise<number> {
  const io = deps.io ?? processOutput
  const registry = PluginRegistry.withBuiltins()

  const commands: Record<string, Command> = {
    validate: {
      options: { json: { type: 'boolean' } },
      async handler(positionals, values) {
        const file = onePositional('validate', positionals, 'the flow file')
        const flow = await loadFlowDocument(file)
        const problems = validateFlow(flow, { plugins: registry })
        if (values.json) io.out(JSON.stringify({ file, valid: !hasErrors(problems), problems }, null, 2))
        else io.out(formatProblems(file, problems))
        return hasErrors(problems) ? 1 : 0
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
      },
      async handler(positionals, values) {
        const file = onePositional('run', positionals, 'the flow file')
        const trace = (values.trace as string | undefined) ?? undefined
        if (trace !== undefined && trace !== 'summary' && trace !== 'full') {
          throw new UsageError(`run: --trace must be "summary" or "full", got "${trace}"`)
        }
        if (values.events && values.event) throw new UsageError('run: give either --event or --events, not both')
        const flow = await loadFlowDocument(file)
        const engine = new Engine({
          plugins: registry,
          store: deps.store ?? new MemoryStateStore(),
          resolveFlow: siblingFlowResolver(path.dirname(path.resolve(file))),
        })
        let loaded
        try {
          loaded = engine.load(flow)
        } catch (error) {
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
        const profile = values.profile ? await readJsonObjectArg(values.profile as string, 'profile') : undefined
        const session = values.session ? await readJsonObjectArg(values.session as string, 'session') : undefined
        const report = await engine.run(loaded, {
          event,
          profile,
          session,
          trace: (trace as 'summary' | 'full' | undefined) ?? 'full',
          trigger: { type: 'cli' },
        })
        if (values.json) io.out(JSON.stringify(report, null, 2))
        else io.out(formatReport(report))
        return report.success ? 0 : 1
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
    if (error instanceof UsageError || error instanceof FileInputError || error instanceof RunInputError) {
      io.err(`flowbench: ${error.message}`)
      return 2
    }
    io.err(`flowbench: unexpected error: ${(error as Error).stack ?? String(error)}`)
    return 1
  }
}
