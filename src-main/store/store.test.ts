import { describe, expect, it } from 'vitest'
import { Store } from './store'
import { runReport, smallFlow, tempDir } from './test-support'

describe('Store: a facade over repositories with a private database', () => {
  it('hands out no database handle, so only the repositories here write SQL', () => {
    const store = Store.open(tempDir())
    expect(Object.keys(store)).not.toContain('db')
    expect((store as unknown as Record<string, unknown>).db).toBeUndefined()
    store.close()
  })

  it('answers through the repositories and the facade alike', () => {
    const store = Store.open(tempDir())
    store.createFlow({ ...smallFlow('a'), tests: [{ name: 'one', event: {} }] })
    expect(store.flows.get('a').summary).toEqual(store.getFlow('a').summary)
    expect(store.testCases.list('a')).toEqual([{ name: 'one', event: {} }])
    store.runs.record(runReport('a', 1))
    expect(store.listRuns({ flowId: 'a' }).runs.map((r) => r.runId)).toEqual(['a-1'])
    expect(store.findRun('a-1')?.runId).toBe('a-1')
    store.close()
  })
})
