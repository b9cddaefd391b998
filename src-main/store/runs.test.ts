import { describe, expect, it } from 'vitest'
import { Store } from './store'
import { expectFailure, runReport, tempDir } from './test-support'

const ids = (page: { runs: { runId: string }[] }) => page.runs.map((r) => r.runId)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('runs', () => {
  it('lists summaries newest first with offset pagination, and returns whole reports', () => {
    const store = Store.open(tempDir())
    for (let i = 0; i < 30; i++) store.recordRun(runReport('a', i))
    for (let i = 0; i < 5; i++) store.recordRun(runReport('b', i))
    const page = store.listRuns({ flowId: 'a', limit: 10, offset: 10 })
    expect(page.total).toBe(30)
    expect(ids(page)).toEqual(Array.from({ length: 10 }, (_, i) => `a-${19 - i}`))
    expect(page.runs[0]).toEqual({
      runId: 'a-19',
      flowId: 'a',
      flowVersion: 1,
      status: 'succeeded',
      startedAt: runReport('a', 19).startedAt,
      durationMs: 1.5,
    })
    expect(store.listRuns({ flowId: 'a', offset: 25 }).runs).toHaveLength(5)
    expect(store.listRuns().total).toBe(35)
    expect(store.listRuns({ limit: 3 }).runs.map((r) => r.runId)).toEqual(['a-29', 'a-28', 'a-27'])
    expect(store.getRun('a-3')).toEqual(runReport('a', 3))
    expect(expectFailure(() => store.getRun('nope'), 'not-found').message).toMatch(/"nope"/)
    store.close()
  })

  it('pages with a cursor through runs that share a start time, missing and repeating none', () => {
    const store = Store.open(tempDir())
    const sameTime = '2026-01-01T00:00:00.000Z'
    // Recorded in order; ties on the start time are broken by the order of recording.
    for (let i = 0; i < 23; i++)
      store.recordRun(runReport('a', i, i < 20 ? sameTime : `2026-01-0${i - 18}T00:00:00.000Z`))
    const seen: string[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = store.listRuns({ flowId: 'a', limit: 4, cursor })
      expect(page.total).toBe(pages < 2 ? 23 : 24)
      seen.push(...ids(page))
      if (!page.nextCursor) break
      cursor = page.nextCursor
      // A run arriving meanwhile does not shift the pages after the cursor.
      if (pages === 1) store.recordRun(runReport('a', 99, '2026-02-01T00:00:00.000Z'))
    }
    expect(seen).toEqual([
      'a-22',
      'a-21',
      'a-20',
      ...Array.from({ length: 20 }, (_, i) => `a-${19 - i}`),
    ])
    expectFailure(() => store.listRuns({ cursor: 'not a cursor' }), 'invalid-cursor')
    expect(store.listRuns({ flowId: 'a', limit: 24 }).nextCursor).toBeNull()
    store.close()
  })

  it('keeps the last N runs of each flow', () => {
    const store = Store.open(tempDir(), { retention: 5 })
    for (let i = 0; i < 12; i++) store.recordRun(runReport('a', i))
    for (let i = 0; i < 3; i++) store.recordRun(runReport('b', i))
    expect(store.pruneNow()).toBe(7)
    expect(ids(store.listRuns({ flowId: 'a' }))).toEqual(['a-11', 'a-10', 'a-9', 'a-8', 'a-7'])
    expect(store.listRuns({ flowId: 'b' }).total).toBe(3)
    expectFailure(() => store.getRun('a-0'), 'not-found')
    store.close()
  })

  it('prunes in the background, in small batches, without being asked', async () => {
    const store = Store.open(tempDir(), { retention: 10 })
    store.inTransaction(() => {
      for (let i = 0; i < 1000; i++) store.recordRun(runReport('a', i))
    })
    // Recording returns at once: nothing is pruned inside the write.
    expect(store.listRuns({ flowId: 'a' }).total).toBe(1000)
    for (let i = 0; i < 50 && store.listRuns({ flowId: 'a' }).total > 10; i++) await sleep(50)
    expect(store.listRuns({ flowId: 'a' }).total).toBe(10)
    expect(ids(store.listRuns({ flowId: 'a', limit: 1 }))).toEqual(['a-999'])
    store.close()
  })

  it('catches up on runs over the limit left by an earlier session', () => {
    const dir = tempDir()
    const first = Store.open(dir)
    for (let i = 0; i < 30; i++) first.recordRun(runReport('a', i))
    first.close()
    const second = Store.open(dir, { retention: 4 })
    expect(second.pruneNow({ allFlows: true })).toBe(26)
    expect(ids(second.listRuns())).toEqual(['a-29', 'a-28', 'a-27', 'a-26'])
    second.close()
    expect(() => Store.open(dir, { retention: 0 })).toThrow(RangeError)
  })
})
