/**
 * `flowbench replay <flow|data-dir> --events <file> | --since <duration> [--against production|<flow file>] [--json]`:
 * runs recorded traffic through the draft (or the given flow file) and through production (or
 * the `--against` file) and reports what differs, grouped, with example events. Never calls the
 * network and never writes to the data directory (see src-main/app/replay.ts).
 *
 * Exit codes: 0 when no event behaves differently, 1 when any does (so CI can hold a deploy
 * back, as `git diff --exit-code` does), 2 for bad usage or unreadable input.
 */
import { existsSync, statSync } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'
import type { Flow } from '../../src-shared/flow/types'
import type { ReplayItem, ReplaySide, ReplaySummary } from '../app/replay'
import { mergeSummaries, Replay } from '../app/replay'
import { FlowLoadError } from '../engine/load'
import { FileInputError, readJsonFile, siblingFlowResolver } from '../flow-files'
import { DATABASE_FILE, Store } from '../store/store'
import type { CliContext } from './context'
import { onePositional } from './context'
import { readEvents } from './events-file'
import { formatReplay } from './format'
import type { CliCommand } from './usage'
import { UsageError } from './usage'

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** `90s`, `30m`, `24h`, `7d`, `2w` → the instant that long ago. */
export function sinceOf(text: string, now = Date.now()): string {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim())
  if (!match)
    throw new UsageError(`replay: --since takes a duration such as 30m, 24h or 7d, got "${text}"`)
  return new Date(now - Number(match[1]) * UNITS[match[2]!]!).toISOString()
}

function isDataDir(target: string): boolean {
  return existsSync(target) && statSync(target).isDirectory()
}

function openDataDir(dir: string): Store {
  if (!existsSync(path.join(dir, DATABASE_FILE)))
    throw new UsageError(`replay: ${dir} is not a data directory (no ${DATABASE_FILE})`)
  try {
    return Store.open(path.resolve(dir))
  } catch (error) {
    throw new UsageError(
      `replay: cannot open the data directory ${dir}: ${(error as Error).message}`,
    )
  }
}

/** Events of a file, one at a time. */
async function* fileItems(file: string): AsyncGenerator<ReplayItem> {
  await access(file).catch(() => {
    throw new FileInputError(`${file}: no such file`)
  })
  for await (const item of readEvents(file)) {
    yield 'error' in item
      ? { index: item.index, event: null, error: item.error }
      : { index: item.index, event: item.event }
  }
}

/** A flow's journaled events since an instant, each with the run it had when still kept. */
function* journalItems(store: Store, flowId: string, since: string): Generator<ReplayItem> {
  let index = 0
  for (const entry of store.journalEntries({ flowId, since })) {
    yield {
      index: index++,
      event: entry.event,
      recorded: entry.runId ? store.findRun(entry.runId) : null,
    }
  }
}

export function replayCommand(ctx: CliContext): CliCommand {
  const { registry } = ctx
  return {
    options: {
      events: { type: 'string' },
      since: { type: 'string' },
      against: { type: 'string' },
      flow: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      env: { type: 'string' },
    },
    async handler(positionals, values, io) {
      const target = onePositional('replay', positionals, 'a flow file or a data directory')
      const eventsFile = values.events as string | undefined
      const sinceText = values.since as string | undefined
      if (!eventsFile === !sinceText)
        throw new UsageError('replay: give either --events <file> or --since <duration>')
      const since = sinceText ? sinceOf(sinceText) : null
      const against = (values.against as string | undefined) ?? 'production'
      const againstFile = against === 'production' ? null : ((await readJsonFile(against)) as Flow)
      const dataDirMode = isDataDir(target)
      if (dataDirMode && values['data-dir'])
        throw new UsageError(
          'replay: give the data directory once, as the argument or as --data-dir',
        )
      const store = dataDirMode
        ? openDataDir(target)
        : ctx.openStoreIfGiven(values['data-dir'] as string | undefined)
      try {
        const flows: { draft: ReplaySide; baseline: ReplaySide }[] = []
        const productionOf = (id: string) => store?.production(id)?.flow
        const draftOf = (id: string) => {
          try {
            return store?.getFlow(id).draft.flow
          } catch {
            return undefined
          }
        }
        const baselineFor = (
          flowId: string,
          resolveFlow: ReplaySide['resolveFlow'],
        ): ReplaySide => {
          if (againstFile) return { flow: againstFile, resolveFlow }
          const production = productionOf(flowId)
          if (!production) {
            throw new UsageError(
              store
                ? `replay: flow "${flowId}" has never been deployed; give --against <flow file>`
                : 'replay: production lives in a data directory; give --data-dir or --against <flow file>',
            )
          }
          return { flow: production, resolveFlow: productionOf }
        }

        if (dataDirMode) {
          const chosen = values.flow as string | undefined
          let ids: string[]
          if (chosen) ids = [chosen]
          else if (since)
            ids = [...new Set([...store!.journalEntries({ since })].map((e) => e.flowId))]
          else {
            ids = store!.listFlows().map((f) => f.id)
            if (ids.length !== 1)
              throw new UsageError(
                'replay: the data directory holds several flows; say which with --flow <id>',
              )
          }
          for (const id of ids) {
            const draft = draftOf(id)
            if (!draft) throw new UsageError(`replay: there is no flow "${id}" in ${target}`)
            flows.push({
              draft: { flow: draft, resolveFlow: draftOf },
              baseline: baselineFor(id, productionOf),
            })
          }
        } else {
          const draft = (await readJsonFile(target)) as Flow
          const siblings = siblingFlowResolver(path.dirname(path.resolve(target)))
          const resolveFlow = async (id: string) => (await siblings(id)) ?? productionOf(id)
          const baseline = baselineFor(String(draft?.id), resolveFlow)
          if (againstFile)
            baseline.resolveFlow = siblingFlowResolver(path.dirname(path.resolve(against)))
          flows.push({ draft: { flow: draft, resolveFlow }, baseline })
        }
        if (since && !store)
          throw new UsageError(
            'replay: --since reads the journal of a data directory; give one (or --events <file>)',
          )

        const environment = ctx.environmentFor(
          flows.flatMap((f) => [f.draft.flow, f.baseline.flow]),
          { ...values, 'data-dir': dataDirMode ? target : values['data-dir'] },
        )
        const summaries: ReplaySummary[] = []
        for (const { draft, baseline } of flows) {
          let replay: Replay
          try {
            replay = new Replay({
              plugins: registry,
              draft,
              baseline,
              environment,
              loadProfile: store ? (id) => store.state.loadProfile(id) : undefined,
              loadSession: store ? (id) => store.state.loadSession(id) : undefined,
            })
          } catch (error) {
            if (!(error instanceof FlowLoadError)) throw error
            const which = error.problems.length ? error.message : String(error)
            io.err(`flowbench: replay: flow "${String(draft.flow?.id)}" cannot run: ${which}`)
            return 1
          }
          const items = eventsFile
            ? fileItems(eventsFile)
            : journalItems(store!, String(draft.flow.id), since!)
          summaries.push(await replay.addAll(items))
        }
        const summary = mergeSummaries(summaries)
        if (values.json) io.out(JSON.stringify(summary, null, 2))
        else io.out(formatReplay(summary, againstFile ? `${against}` : 'production'))
        return summary.differing > 0 ? 1 : 0
      } finally {
        store?.close()
      }
    },
  }
}
