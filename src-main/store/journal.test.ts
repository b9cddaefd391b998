import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../../src-shared/engine/report'
import { Store } from './store'
import { tempDir } from './test-support'

let store: Store
beforeEach(() => {
  store = Store.open(tempDir())
})
afterEach(() => store.close())

function report(runId: string, success: boolean): ExecutionReport {
  return {
    runId,
    flowId: 'f',
    flowVersion: 1,
    status: success ? 'succeeded' : 'failed',
    success,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1,
    trigger: { type: 'webhook' },
    state: { event: {}, profile: {}, session: null, flow: {} },
    changes: { profile: [], session: [], event: [] },
    nodes: [],
    edges: {},
    errors: [],
  } as unknown as ExecutionReport
}

describe('journal', () => {
  it('hands out events in order and keeps one entry per idempotency key', () => {
    const a = store.journal.append('f', { type: 'a' }, 'webhook', 'k1')
    const again = store.journal.append('f', { type: 'other' }, 'webhook', 'k1')
    const b = store.journal.append('f', { type: 'b' }, 'api', null)
    expect(again).toEqual({ seq: a.seq, duplicate: true })
    expect(store.journal.pendingCount()).toBe(2)
    expect(store.journal.nextEvent()).toMatchObject({ seq: a.seq, event: { type: 'a' } })
    store.journal.finish(a.seq, { report: report('r1', true), commit: null })
    expect(store.journal.nextEvent()).toMatchObject({ seq: b.seq, source: 'api' })
    expect(store.journal.entry(a.seq)).toEqual({ status: 'done', runId: 'r1' })
    expect(store.getRun('r1').runId).toBe('r1')
  })

  it('saves the run and the mark together or not at all', () => {
    const { seq } = store.journal.append('f', {}, 'webhook', null)
    // A commit the state store cannot write makes the whole finish fail.
    const broken = { profile: null } as never
    expect(() =>
      store.journal.finish(seq, { report: report('r2', true), commit: broken }),
    ).toThrow()
    expect(store.journal.entry(seq)).toEqual({ status: 'pending', runId: null })
    expect(() => store.getRun('r2')).toThrow()
  })

  it('counts a flow’s events by outcome', () => {
    const seqs = [1, 2, 3, 4].map(() => store.journal.append('f', {}, 'webhook', null).seq)
    store.journal.append('g', {}, 'webhook', null)
    store.journal.finish(seqs[0]!, { report: report('r1', true), commit: null })
    store.journal.finish(seqs[1]!, { report: report('r2', false), commit: null })
    store.journal.finish(seqs[2]!, { report: null, commit: null })
    expect(store.journal.stats('f')).toEqual({ accepted: 4, succeeded: 1, failed: 2, pending: 1 })
    expect(store.journal.stats('none')).toEqual({
      accepted: 0,
      succeeded: 0,
      failed: 0,
      pending: 0,
    })
    expect(store.journal.recentDeliveries(2).map((d) => d.flowId)).toEqual(['g', 'f'])
  })

  it('journals the appends of one turn together, a repeated key within them once, and resolves them once synced', async () => {
    const appends = [
      store.journal.appendSynced('f', { type: 'a' }, 'webhook', 'k1'),
      store.journal.appendSynced('f', { type: 'b' }, 'webhook', null),
      store.journal.appendSynced('f', { type: 'again' }, 'webhook', 'k1'),
    ]
    // Nothing is written before the turn ends: one transaction takes the whole group.
    expect(store.journal.pendingCount()).toBe(0)
    const [a, b, again] = await Promise.all(appends)
    expect(again).toEqual({ seq: a!.seq, duplicate: true })
    expect(b!.seq).toBe(a!.seq + 1)
    expect(store.journal.pendingAfter(0, 10).map((e) => e.event.type)).toEqual(['a', 'b'])
    // A later group after this one's sync.
    const later = await store.journal.appendSynced('f', { type: 'c' }, 'api', null)
    expect(later.seq).toBe(b!.seq + 1)
    expect(store.journal.pendingAfter(b!.seq, 10).map((e) => e.source)).toEqual(['api'])
  })

  it('saves the runs that ended together in one go, each with its mark', () => {
    const seqs = [1, 2, 3].map(() => store.journal.append('f', {}, 'webhook', null).seq)
    store.journal.finishAll([
      { seq: seqs[0]!, outcome: { report: report('r1', true), commit: null } },
      { seq: seqs[1]!, outcome: { report: report('r2', false), commit: null } },
      { seq: seqs[2]!, outcome: { report: null, commit: null } },
    ])
    expect(seqs.map((s) => store.journal.entry(s))).toEqual([
      { status: 'done', runId: 'r1' },
      { status: 'failed', runId: 'r2' },
      { status: 'refused', runId: null },
    ])
    expect(store.getRun('r2')).toMatchObject({ status: 'failed' })
  })
})

describe('journal deliveries', () => {
  it('tells listeners each status change: accepted as pending, then done, failed or refused', () => {
    const heard: { seq: number; status: string; runId: string | null }[] = []
    const stop = store.journal.onDelivery(({ seq, status, runId }) =>
      heard.push({ seq, status, runId }),
    )
    const a = store.journal.append('f', { type: 'a' }, 'webhook', 'k1')
    store.journal.append('f', { type: 'again' }, 'webhook', 'k1')
    const b = store.journal.append('f', { type: 'b' }, 'api', null)
    store.journal.finish(a.seq, { report: report('r1', true), commit: null })
    store.journal.finish(b.seq, { report: null, commit: null })
    stop()
    store.journal.append('f', { type: 'c' }, 'api', null)
    expect(heard).toEqual([
      { seq: a.seq, status: 'pending', runId: null },
      { seq: b.seq, status: 'pending', runId: null },
      { seq: a.seq, status: 'done', runId: 'r1' },
      { seq: b.seq, status: 'refused', runId: null },
    ])
  })
})
