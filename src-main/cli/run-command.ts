/**
 * `flowbench run <flow.json|bundle>` with one event (`--event`) or a stream (`--events`):
 * prints the report, or the summary, as a table or JSON. Exit 1 when the flow fails.
 */
import { access } from 'node:fs/promises'
import path from 'node:path'
import { prepareFlow, runPrepared } from '../app/flow-runs'
import { FlowLoadError } from '../engine/load'
import type { PreparedFlow } from '../app/flow-runs'
import { MemoryStateStore } from '../engine/state-store'
import { FileInputError, readJsonFile, readJsonObjectArg, siblingFlowResolver } from '../flow-files'
import { readBundleFile, useBundlePlugins } from './bundle-commands'
import type { CliContext } from './context'
import { onePositional } from './context'
import { readEvents } from './events-file'
import { formatProblems, formatReport, formatSummary } from './format'
import { runEventStream } from './run-events'
import type { CliCommand } from './usage'
import { UsageError } from './usage'

export function runCommand(ctx: CliContext): CliCommand {
  const { registry, installer } = ctx
  return {
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
    async handler(positionals, values, io) {
      const file = onePositional('run', positionals, 'the flow file or bundle')
      const trace = values.trace as string | undefined
      if (trace !== undefined && trace !== 'summary' && trace !== 'full') {
        throw new UsageError(`run: --trace must be "summary" or "full", got "${trace}"`)
      }
      if (values.events && values.event)
        throw new UsageError('run: give either --event or --events, not both')
      const bundle = file.endsWith('.flowbundle') ? await readBundleFile(file, registry) : null
      const trustPlugins = values['trust-plugins'] === true
      if (bundle) await useBundlePlugins('run', bundle, { registry, installer, trustPlugins, io })
      const flow = bundle ? bundle.flows[0]!.flow : await readJsonFile(file)
      const bundled = new Map((bundle?.flows ?? []).map((f) => [f.flow.id, f.flow]))
      const environment = ctx.environmentFor([flow, ...bundled.values()], values)
      const store = ctx.openStoreIfGiven(values['data-dir'] as string | undefined)
      const siblings = bundle
        ? async (id: string) => bundled.get(id)
        : siblingFlowResolver(path.dirname(path.resolve(file)))
      try {
        let prepared: PreparedFlow
        try {
          prepared = prepareFlow(flow, {
            plugins: registry,
            store: ctx.stateStore ?? store?.state ?? new MemoryStateStore(),
            // Subflows: the flow files beside this one first, then the production flows of the store.
            resolveFlow: async (id) => (await siblings(id)) ?? store?.production(id)?.flow,
            environment,
          })
        } catch (error) {
          if (!(error instanceof FlowLoadError)) throw error
          const problems = error.problems
          if (values.json) io.out(JSON.stringify({ file, valid: false, problems }, null, 2))
          else io.out(formatProblems(file, problems))
          return 1
        }
        const { engine, loaded } = prepared

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
        const { report } = await runPrepared(
          prepared,
          {
            event,
            profile,
            session,
            trace: (trace as 'summary' | 'full' | undefined) ?? 'full',
            trigger: { type: 'cli' },
          },
          { record: store ? (done) => store.recordRun(done) : undefined },
        )
        if (values.json) io.out(JSON.stringify(report, null, 2))
        else io.out(formatReport(report))
        return report.success ? 0 : 1
      } finally {
        store?.close()
      }
    },
  }
}
