/**
 * Replay and impact: before deploying a draft, run recorded traffic through it and through the
 * flow it would replace, and report what differs — final status, the path (nodes that ran),
 * profile and session changes, node outputs — grouped by kind, with counts and example events.
 *
 * Each event runs twice against the same starting state: a copy of the profile and session as
 * they were when the event was first received (recovered from its recorded run), in memory, so
 * nothing is written anywhere. Runs are test runs (`testing: true`, which the http.request
 * plugin honours by refusing the network), and every side-effecting node is answered from the
 * recorded run where it has the node's outputs, otherwise from a fixed mock — so a replay never
 * calls out, and both sides see the same answers: what differs comes from the flows alone.
 */
import type { Change, ExecutionReport, NodeRunRecord } from '../../src-shared/engine/report'
import type { Flow, MockOutput } from '../../src-shared/flow/types'
import type { ProfileRecord, SessionRecord } from '../../src-shared/plugin-sdk'
import { jsonEqual } from '../../src-shared/expr/values'
import type { LoadedFlow, PluginSource } from '../engine/load'
import type { EngineOptions } from '../engine/runner'
import { Engine, RunInputError } from '../engine/runner'
import { MemoryStateStore } from '../engine/state-store'

/** Plugins that reach outside the run: never run for real in a replay. */
export const SIDE_EFFECT_PLUGINS: ReadonlySet<string> = new Set([
  'http.request',
  'sql.query',
  'redis.command',
  'mqtt.publish',
  'email.send',
])

/** What a side-effecting node answers when its recorded run has nothing for it. */
export const REPLAY_MOCKS: Record<string, MockOutput> = {
  'http.request': { port: 'response', value: { status: 200, headers: {}, body: null } },
  'sql.query': { port: 'result', value: { rows: [], rowCount: 0 } },
  'redis.command': { port: 'result', value: { key: null, value: null } },
  'mqtt.publish': { port: 'payload', value: {} },
  'email.send': { port: 'sent', value: { messageId: null, accepted: [], rejected: [] } },
}

const EXAMPLES_PER_GROUP = 3

type FlowResolver = (flowId: string) => Flow | undefined | Promise<Flow | undefined>

export interface ReplayItem {
  /** Position in the source (file order or journal order), from 0. */
  index: number
  event: unknown
  /** The run this event had when it was received, when it is still kept. */
  recorded?: ExecutionReport | null
  /** Set when the event could not be read at all. */
  error?: string
}

export interface ReplaySide {
  flow: Flow
  /** Subflows this side's `flow.subflow` nodes call (drafts for the draft, production for production). */
  resolveFlow?: FlowResolver
}

export interface ReplayOptions {
  plugins: PluginSource
  /** The flow under review: the draft, or the given flow file. */
  draft: ReplaySide
  /** What it would replace: the production revision, or the `--against` flow file. */
  baseline: ReplaySide
  environment?: EngineOptions['environment']
  /** The state as stored now: the starting point of events that have no recorded run. */
  loadProfile?: (id: string) => ProfileRecord | null
  loadSession?: (id: string) => SessionRecord | null
  signal?: AbortSignal
}

export type DifferenceKind = 'status' | 'path' | 'profile' | 'session' | 'outputs'

export interface DifferenceExample {
  index: number
  eventId: string
  production: unknown
  draft: unknown
}

export interface DifferenceGroup {
  flowId: string
  kind: DifferenceKind
  /** What differs, in words: `status succeeded → failed`, `profile traits.tier`… */
  summary: string
  count: number
  examples: DifferenceExample[]
}

export interface ReplaySummary {
  events: number
  differing: number
  groups: DifferenceGroup[]
  /** Events no run could take (not an object, bad JSON line…): the same on both sides. */
  invalid: number
  /** How side-effecting nodes were answered, over both sides of every event. */
  answered: { recorded: number; mocked: number }
}

export function emptySummary(): ReplaySummary {
  return { events: 0, differing: 0, groups: [], invalid: 0, answered: { recorded: 0, mocked: 0 } }
}

// ---- starting state ----

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}

/** The document before `changes` were made (design §4's diffs keep the old values). */
export function revertChanges(after: unknown, changes: Change[]): unknown {
  let doc = structuredClone(after)
  for (let i = changes.length - 1; i >= 0; i--) {
    const change = changes[i]!
    if (change.path === '/' || change.path === '') {
      doc = structuredClone(change.oldValue)
      continue
    }
    const keys = change.path.slice(1).split('/').map(unescapePointer)
    const last = keys.pop()!
    let parent = doc as Record<string, unknown> | undefined
    for (const key of keys) parent = parent?.[key] as Record<string, unknown> | undefined
    if (!parent || typeof parent !== 'object') continue
    if (change.op === 'add') delete parent[last]
    else parent[last] = structuredClone(change.oldValue)
  }
  return doc
}

interface Start {
  event: Record<string, unknown>
  profile?: unknown
  session?: unknown
}

function startOf(item: ReplayItem, options: ReplayOptions, at: string): Start {
  const raw = item.event
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new RunInputError('The event must be a JSON object')
  const recordedEvent = item.recorded?.state.event as Record<string, unknown> | undefined
  // Fixed id and time, so the two runs see the same event (else each would make up its own).
  const event: Record<string, unknown> = {
    ...(raw as Record<string, unknown>),
    id: (raw as { id?: unknown }).id ?? recordedEvent?.id ?? `replay-${item.index + 1}`,
    time: (raw as { time?: unknown }).time ?? recordedEvent?.time ?? at,
  }
  const recorded = item.recorded
  if (recorded) {
    return {
      event,
      profile: revertChanges(recorded.state.profile, recorded.changes.profile),
      session: event.sessionId
        ? revertChanges(recorded.state.session, recorded.changes.session)
        : undefined,
    }
  }
  const profileId = typeof event.profileId === 'string' ? event.profileId : null
  const sessionId = typeof event.sessionId === 'string' ? event.sessionId : null
  const session = sessionId ? (options.loadSession?.(sessionId) ?? undefined) : undefined
  const storedProfile = profileId ? options.loadProfile?.(profileId) : null
  // A new profile, but the same one on both sides.
  const profile = storedProfile ?? {
    id: profileId ?? `replay-profile-${item.index + 1}`,
    createdAt: at,
    updatedAt: at,
  }
  return { event, profile, session }
}

// ---- side effects ----

/** Ids of side-effecting nodes in a flow and, through `flow.subflow`, in the flows it calls. */
async function sideEffectNodes(
  flow: Flow,
  resolve: FlowResolver | undefined,
  seen = new Set<string>(),
): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  if (seen.has(flow.id)) return found
  seen.add(flow.id)
  for (const node of flow.nodes) {
    if (SIDE_EFFECT_PLUGINS.has(node.plugin)) found.set(node.id, node.plugin)
    const childId =
      node.plugin === 'flow.subflow' ? (node.config as { flowId?: unknown }).flowId : undefined
    if (typeof childId === 'string' && resolve) {
      const child = await resolve(childId)
      if (child && Array.isArray(child.nodes))
        for (const [id, plugin] of await sideEffectNodes(child, resolve, seen))
          found.set(id, plugin)
    }
  }
  return found
}

/** The recorded answer of a node: what it sent, or its error; null when the run kept no values. */
function recordedAnswer(record: NodeRunRecord | undefined): MockOutput[] | null {
  if (!record || record.status === 'skipped') return null
  if (record.status === 'error' && record.error)
    return [{ port: 'error', value: { message: record.error.message, code: record.error.code } }]
  const outputs = record.outputs.filter((o) => o.port !== 'error' && 'value' in o)
  if (outputs.length === 0 || outputs.length !== record.outputs.length) return null
  return outputs.map((o) => ({ port: o.port, value: o.value }))
}

function mocksFor(
  nodes: Map<string, string>,
  recorded: ExecutionReport | null | undefined,
): { mocks: Record<string, MockOutput | MockOutput[]>; recorded: number; mocked: number } {
  const mocks: Record<string, MockOutput | MockOutput[]> = {}
  let fromRecord = 0
  let mocked = 0
  for (const [nodeId, plugin] of nodes) {
    const answer = recordedAnswer(recorded?.nodes.find((n) => n.nodeId === nodeId))
    if (answer) {
      mocks[nodeId] = answer
      fromRecord++
    } else {
      mocks[nodeId] = REPLAY_MOCKS[plugin] ?? {
        port: 'error',
        value: { message: `Node "${nodeId}" is not run in a replay`, code: 'replay-mocked' },
      }
      mocked++
    }
  }
  return { mocks, recorded: fromRecord, mocked }
}

// ---- comparison ----

function ranNodes(report: ExecutionReport): string[] {
  return [...new Set(report.nodes.filter((n) => n.status !== 'skipped').map((n) => n.nodeId))]
}

function changedValues(changes: Change[]): Map<string, unknown> {
  const values = new Map<string, unknown>()
  for (const c of changes)
    values.set(c.path.slice(1).replace(/\//g, '.'), c.op === 'remove' ? '(removed)' : c.value)
  return values
}

interface Difference {
  kind: DifferenceKind
  summary: string
  production: unknown
  draft: unknown
}

function compareState(
  kind: 'profile' | 'session',
  production: Change[],
  draft: Change[],
): Difference | null {
  const before = changedValues(production)
  const after = changedValues(draft)
  const paths = [...new Set([...before.keys(), ...after.keys()])]
    .filter((p) => !jsonEqual(before.get(p), after.get(p)))
    .sort()
  if (paths.length === 0) return null
  const pick = (values: Map<string, unknown>) =>
    Object.fromEntries(paths.map((p) => [p, values.has(p) ? values.get(p) : '(unchanged)']))
  return {
    kind,
    summary: `${kind} ${paths.join(', ')}`,
    production: pick(before),
    draft: pick(after),
  }
}

function outputsOf(report: ExecutionReport, nodeId: string): { port: string; value?: unknown }[] {
  return report.nodes.filter((n) => n.nodeId === nodeId).flatMap((n) => n.outputs)
}

export function compareRuns(production: ExecutionReport, draft: ExecutionReport): Difference[] {
  const differences: Difference[] = []
  if (production.status !== draft.status) {
    differences.push({
      kind: 'status',
      summary: `status ${production.status} → ${draft.status}`,
      production: { status: production.status, errors: production.errors },
      draft: { status: draft.status, errors: draft.errors },
    })
  }
  const ranBefore = ranNodes(production)
  const ranAfter = ranNodes(draft)
  const added = ranAfter.filter((id) => !ranBefore.includes(id))
  const dropped = ranBefore.filter((id) => !ranAfter.includes(id))
  if (added.length > 0 || dropped.length > 0) {
    const parts = [
      added.length ? `now runs ${added.join(', ')}` : '',
      dropped.length ? `no longer runs ${dropped.join(', ')}` : '',
    ].filter(Boolean)
    differences.push({
      kind: 'path',
      summary: `path: ${parts.join('; ')}`,
      production: ranBefore,
      draft: ranAfter,
    })
  }
  for (const kind of ['profile', 'session'] as const) {
    const difference = compareState(kind, production.changes[kind], draft.changes[kind])
    if (difference) differences.push(difference)
  }
  for (const nodeId of ranAfter.filter((id) => ranBefore.includes(id))) {
    const before = outputsOf(production, nodeId)
    const after = outputsOf(draft, nodeId)
    if (!jsonEqual(before, after))
      differences.push({
        kind: 'outputs',
        summary: `outputs of ${nodeId}`,
        production: before,
        draft: after,
      })
  }
  return differences
}

// ---- the use case ----

export class Replay {
  private readonly draftEngine: Engine
  private readonly baselineEngine: Engine
  private readonly draft: LoadedFlow
  private readonly baseline: LoadedFlow
  private sideEffects: Map<string, string> | null = null
  private readonly groups = new Map<string, DifferenceGroup>()
  readonly summary = emptySummary()
  private readonly startedAt = new Date().toISOString()

  /** Throws FlowLoadError when either flow cannot run. */
  constructor(private readonly options: ReplayOptions) {
    const engine = (side: ReplaySide) =>
      new Engine({
        plugins: options.plugins,
        store: new MemoryStateStore(),
        resolveFlow: side.resolveFlow,
        environment: options.environment,
      })
    this.draftEngine = engine(options.draft)
    this.baselineEngine = engine(options.baseline)
    this.draft = this.draftEngine.load(options.draft.flow)
    this.baseline = this.baselineEngine.load(options.baseline.flow)
  }

  private async nodesToAnswer(): Promise<Map<string, string>> {
    if (!this.sideEffects) {
      const { draft, baseline } = this.options
      this.sideEffects = new Map([
        ...(await sideEffectNodes(baseline.flow, baseline.resolveFlow)),
        ...(await sideEffectNodes(draft.flow, draft.resolveFlow)),
      ])
    }
    return this.sideEffects
  }

  /** Runs one event through both flows and adds what differs to the groups. */
  async add(item: ReplayItem): Promise<void> {
    this.summary.events++
    if (item.error) {
      this.summary.invalid++
      return
    }
    let start: Start
    try {
      start = startOf(item, this.options, this.startedAt)
    } catch (error) {
      if (!(error instanceof RunInputError)) throw error
      this.summary.invalid++
      return
    }
    const { mocks, recorded, mocked } = mocksFor(await this.nodesToAnswer(), item.recorded)
    const run = (engine: Engine, loaded: LoadedFlow) =>
      engine.run(loaded, {
        ...start,
        mocks,
        testing: true,
        trace: 'full',
        signal: this.options.signal,
        trigger: { type: 'replay' },
      })
    let production: ExecutionReport
    let draft: ExecutionReport
    try {
      production = await run(this.baselineEngine, this.baseline)
      draft = await run(this.draftEngine, this.draft)
    } catch (error) {
      if (!(error instanceof RunInputError)) throw error
      this.summary.invalid++
      return
    }
    this.summary.answered.recorded += recorded * 2
    this.summary.answered.mocked += mocked * 2
    const differences = compareRuns(production, draft)
    if (differences.length === 0) return
    this.summary.differing++
    const flowId = String(this.options.draft.flow.id)
    for (const difference of differences) {
      const key = `${flowId}\u0000${difference.kind}\u0000${difference.summary}`
      let group = this.groups.get(key)
      if (!group) {
        group = {
          flowId,
          kind: difference.kind,
          summary: difference.summary,
          count: 0,
          examples: [],
        }
        this.groups.set(key, group)
        this.summary.groups.push(group)
      }
      group.count++
      if (group.examples.length < EXAMPLES_PER_GROUP) {
        group.examples.push({
          index: item.index,
          eventId: String(start.event.id),
          production: difference.production,
          draft: difference.draft,
        })
      }
    }
  }

  async addAll(items: AsyncIterable<ReplayItem> | Iterable<ReplayItem>): Promise<ReplaySummary> {
    for await (const item of items) {
      if (this.options.signal?.aborted) break
      await this.add(item)
    }
    return this.result()
  }

  /** The summary, biggest groups first. */
  result(): ReplaySummary {
    this.summary.groups.sort((a, b) => b.count - a.count)
    return this.summary
  }
}

/** Adds up the replays of several flows (a data directory's). */
export function mergeSummaries(summaries: ReplaySummary[]): ReplaySummary {
  const total = emptySummary()
  for (const s of summaries) {
    total.events += s.events
    total.differing += s.differing
    total.invalid += s.invalid
    total.answered.recorded += s.answered.recorded
    total.answered.mocked += s.answered.mocked
    total.groups.push(...s.groups)
  }
  total.groups.sort((a, b) => b.count - a.count)
  return total
}
