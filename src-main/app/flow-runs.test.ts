import { describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../../src-shared/engine/report'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from '../engine/runner'
import type { RunCommit } from '../engine/state-store'
import { MemoryStateStore } from '../engine/state-store'
import { runFlowOnce } from './flow-runs'

const counter = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['count', 'data.increment', { path: 'profile@traits.visits' }],
  ],
  ['start.payload -> count'],
)

const failing = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['count', 'data.increment', { path: 'profile@traits.visits' }],
    ['boom', 'flow.throw', { message: 'no' }],
  ],
  ['start.payload -> count', 'count.payload -> boom'],
)

describe('Engine.execute: the run and its commit, saved by nobody', () => {
  it('returns what the run changed and leaves the store untouched', async () => {
    const store = new MemoryStateStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    const { report, commit } = await engine.execute(engine.load(counter), {
      event: { type: 'visit', profileId: 'ann' },
    })
    expect(report.status).toBe('succeeded')
    expect(commit?.profile.id).toBe('ann')
    expect(commit?.profile.traits).toEqual({ visits: 1 })
    expect(commit?.changes.profile).toEqual([{ op: 'add', path: '/traits/visits', value: 1 }])
    expect(store.profiles.has('ann')).toBe(false)

    // run() is execute + commit: the next run sees the saved profile.
    await engine.run(engine.load(counter), { event: { type: 'visit', profileId: 'ann' } })
    expect(store.loadProfile('ann')?.traits).toEqual({ visits: 1 })
  })

  it('has no commit for a failed run', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const { report, commit } = await engine.execute(engine.load(failing), { event: {} })
    expect(report.status).toBe('failed')
    expect(commit).toBeNull()
  })
})

describe('runFlowOnce persists through its hooks', () => {
  it('hands the commit to persist and the report to record, in that order', async () => {
    const store = new MemoryStateStore()
    const calls: string[] = []
    const commits: RunCommit[] = []
    const { report, commit } = await runFlowOnce(
      counter,
      { event: { type: 'visit', profileId: 'ann' } },
      {
        plugins: testRegistry(),
        store,
        persist: (c) => {
          calls.push('persist')
          commits.push(c)
        },
        record: () => calls.push('record'),
      },
    )
    expect(calls).toEqual(['persist', 'record'])
    expect(commits).toEqual([commit])
    expect(report.runId).toBe(commit?.runId)
    // The hook replaced the default save: the engine's store has nothing.
    expect(store.profiles.has('ann')).toBe(false)
  })

  it('saves to the engine store when no persist hook is given', async () => {
    const store = new MemoryStateStore()
    const options = { plugins: testRegistry(), store }
    await runFlowOnce(counter, { event: { profileId: 'ann' } }, options)
    const { report } = await runFlowOnce(counter, { event: { profileId: 'ann' } }, options)
    expect(report.state.profile).toMatchObject({ traits: { visits: 2 } })
  })

  it('reports a run whose changes could not be saved as failed, and records that report', async () => {
    let recorded: ExecutionReport | null = null
    const { report, commit } = await runFlowOnce(
      counter,
      { event: {} },
      {
        plugins: testRegistry(),
        persist: () => Promise.reject(new Error('disk full')),
        record: (done) => (recorded = done),
      },
    )
    expect(report.success).toBe(false)
    expect(report.status).toBe('failed')
    expect(report.errors).toContainEqual({
      nodeId: '',
      code: 'store',
      message: "Saving the run's changes failed: disk full",
    })
    expect(commit).toBeNull()
    expect(recorded).toBe(report)
  })
})
