/**
 * Child process for the store's kill test: `node bin/run-ts.js test/store-writer.ts <dataDir>`.
 * Writes as fast as it can — drafts, runs, state-store commits — and prints
 * `ack <kind> <id/version> [value]` only after each write has returned, so every acked write
 * must survive the SIGKILL that the test sends at a random moment.
 * stdout is a pipe, and pipes are written synchronously on Linux and macOS: an ack printed
 * before the kill has left the process.
 */
import type { ExecutionReport } from '../src-shared/engine/report'
import type { Flow } from '../src-shared/flow/types'
import type { ProfileRecord } from '../src-shared/plugin-sdk'
import { Store } from '../src-main/store/store'

const dataDir = process.argv[2]
if (!dataDir) {
  process.stderr.write('usage: store-writer <dataDir>\n')
  process.exit(2)
}

const FLOW_ID = 'crash-test'
const PROFILE_ID = 'crash-profile'
// Keep every run: the test checks each acked one, and pruning would remove old ones legitimately.
const store = Store.open(dataDir, { retention: 1_000_000 })
const flow: Flow = {
  schemaVersion: 1,
  id: FLOW_ID,
  name: 'Crash test',
  description: 'save 0',
  nodes: Array.from({ length: 20 }, (_, i) => ({
    id: `n${i}`,
    plugin: i === 0 ? 'trigger.manual' : 'data.set',
    position: { x: i * 200, y: 0 },
    config: i === 0 ? {} : { values: { [`flow@v${i}`]: `{{ event.properties.total + ${i} }}` } },
  })),
  edges: Array.from({ length: 19 }, (_, i) => ({
    id: `e${i}`,
    source: `n${i}`,
    sourcePort: 'payload',
    target: `n${i + 1}`,
    targetPort: 'payload',
  })),
}
if (!store.listFlows({ includeDeleted: true }).some((f) => f.id === FLOW_ID)) store.createFlow(flow)
// Each process is a new "session" of the same data: run ids must not collide across rounds.
const tag = `${process.pid}-${Date.now().toString(36)}`
process.stdout.write('ready\n')

function report(i: number): ExecutionReport {
  const startedAt = new Date().toISOString()
  return {
    runId: `run-${tag}-${i}`,
    flowId: FLOW_ID,
    flowVersion: 1,
    status: 'succeeded',
    success: true,
    startedAt,
    finishedAt: startedAt,
    durationMs: 0.2,
    trigger: { type: 'manual', nodeId: 'n0', plugin: 'trigger.manual' },
    trace: 'summary',
    state: {
      event: { id: `event-${tag}-${i}` },
      profile: { id: PROFILE_ID },
      session: {},
      flow: {},
    },
    changes: { profile: [], session: [], event: [] },
    nodes: [],
    edges: {},
    errors: [],
  }
}

for (let i = 1; ; i++) {
  const { draft } = store.getFlow(FLOW_ID)
  const previous = Number(/save (\d+)/.exec(draft.flow.description ?? '')?.[1] ?? 0)
  const saved = store.saveDraft(FLOW_ID, draft.version, {
    ...draft.flow,
    description: `save ${previous + 1}`,
  })
  process.stdout.write(`ack draft ${saved.version}\n`)

  const run = report(i)
  store.recordRun(run)
  process.stdout.write(`ack run ${run.runId}\n`)

  const now = new Date().toISOString()
  const profile: ProfileRecord = store.state.loadProfile(PROFILE_ID) ?? {
    id: PROFILE_ID,
    traits: { count: 0 },
    segments: [],
    interests: {},
    consents: {},
    createdAt: now,
    updatedAt: now,
  }
  const count = Number(profile.traits.count) + 1
  const eventId = `event-${tag}-${i}`
  store.state.commit({
    runId: run.runId,
    flowId: FLOW_ID,
    profile: { ...profile, traits: { ...profile.traits, count }, updatedAt: now },
    session: {
      id: `session-${tag}`,
      profileId: PROFILE_ID,
      context: { i },
      createdAt: now,
      updatedAt: now,
    },
    event: {
      id: eventId,
      type: 'purchase',
      source: 'crash-test',
      time: now,
      properties: { i },
      context: {},
      profileId: PROFILE_ID,
      sessionId: `session-${tag}`,
    },
    changes: { profile: [], session: [], event: [] },
  })
  process.stdout.write(`ack commit ${eventId} ${count}\n`)
}
