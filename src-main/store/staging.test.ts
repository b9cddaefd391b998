import { describe, expect, it } from 'vitest'
import type { Flow, Problem, TestCase } from '../../src-shared/flow/types'
import { MAX_DRAFT_BYTES, Store } from './store'
import { countRows, expectFailure, smallFlow, tempDir } from './test-support'

const noProblems = (): Problem[] => []
const problems: Problem[] = [
  { code: 'cycle', severity: 'error', message: 'n1 and n2 form a loop', nodeId: 'n1' },
  { code: 'unreachable-node', severity: 'warning', message: 'n3 is never reached', nodeId: 'n3' },
]
const warningsOnly = (): Problem[] => [problems[1]!]

function withStore(run: (store: Store) => void): void {
  const store = Store.open(tempDir())
  try {
    run(store)
  } finally {
    store.close()
  }
}

describe('flows', () => {
  it('creates a flow with draft version 1 and no production, and refuses a duplicate id', () => {
    withStore((store) => {
      const summary = store.createFlow({ ...smallFlow(), description: 'About', tags: ['a', 'b'] })
      expect(summary).toMatchObject({
        id: 'f1',
        name: 'Test flow',
        description: 'About',
        tags: ['a', 'b'],
        draftVersion: 1,
        productionRevision: null,
        deletedAt: null,
      })
      const record = store.getFlow('f1')
      expect(record.draft.version).toBe(1)
      expect(record.draft.flow).toEqual({ ...smallFlow(), description: 'About', tags: ['a', 'b'] })
      expect(record.production).toBeNull()
      expect(expectFailure(() => store.createFlow(smallFlow()), 'flow-exists').message).toMatch(
        /"f1"/,
      )
      expectFailure(() => store.getFlow('nope'), 'not-found')
    })
  })

  it('lists flows by name, leaving trashed ones out unless asked', () => {
    withStore((store) => {
      store.createFlow(smallFlow('b', 'beta'))
      store.createFlow(smallFlow('a', 'Alpha'))
      store.createFlow(smallFlow('c', 'gamma'))
      store.delete('c')
      expect(store.listFlows().map((f) => f.name)).toEqual(['Alpha', 'beta'])
      expect(store.listFlows({ includeDeleted: true }).map((f) => f.id)).toEqual(['a', 'b', 'c'])
    })
  })
})

describe('drafts', () => {
  it('saves over the current version, counting saves, with name, description and tags following', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      const saved = store.saveDraft('f1', 1, { ...smallFlow(), name: 'Renamed', tags: ['x'] })
      expect(saved.version).toBe(2)
      expect(Date.parse(saved.savedAt)).not.toBeNaN()
      const text = JSON.stringify({ ...smallFlow(), description: 'From text' }, null, 2)
      expect(store.saveDraft('f1', 2, text).version).toBe(3)
      expect(store.listFlows()[0]).toMatchObject({
        name: 'Test flow',
        description: 'From text',
        tags: [],
        draftVersion: 3,
      })
      expect(store.getFlow('f1').draft).toMatchObject({ version: 3, savedAt: expect.any(String) })
    })
  })

  it('refuses a stale base, says which version is current, and keeps the stored draft', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      store.saveDraft('f1', 1, { ...smallFlow(), name: 'Second' })
      store.saveDraft('f1', 2, { ...smallFlow(), name: 'Third' })
      const error = expectFailure(
        () => store.saveDraft('f1', 2, { ...smallFlow(), name: 'Stale' }),
        'stale-draft',
      )
      expect(error.message).toMatch(/since version 2/)
      expect(error.message).toMatch(/current version is 3/)
      expect(error.details).toEqual({ baseVersion: 2, currentVersion: 3 })
      expect(store.getFlow('f1').draft).toMatchObject({ version: 3, flow: { name: 'Third' } })
    })
  })

  it('refuses a draft over 10 MB, as a document or as text, and keeps the stored draft', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      const big = { ...smallFlow(), description: 'x'.repeat(MAX_DRAFT_BYTES) }
      const error = expectFailure(() => store.saveDraft('f1', 1, big), 'draft-too-large')
      expect(error.message).toMatch(/over the 10 MB limit; it was not saved/)
      expectFailure(() => store.saveDraft('f1', 1, JSON.stringify(big)), 'draft-too-large')
      // Multi-byte characters count as the bytes they take, not as characters.
      const wide = { ...smallFlow(), description: 'é'.repeat(MAX_DRAFT_BYTES / 2 + 10) }
      expectFailure(() => store.saveDraft('f1', 1, wide), 'draft-too-large')
      expect(store.getFlow('f1').draft).toEqual({
        version: 1,
        flow: smallFlow(),
        savedAt: expect.any(String),
      })
      // Just under the limit is fine.
      const fits = { ...smallFlow(), description: 'x'.repeat(MAX_DRAFT_BYTES - 2000) }
      expect(store.saveDraft('f1', 1, fits).version).toBe(2)
    })
  })

  it('refuses text that is not JSON, saying where, and keeps the stored draft', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      const text = '{\n  "id": "f1",\n  nodes: []\n}'
      const error = expectFailure(() => store.saveDraft('f1', 1, text), 'invalid-json')
      expect(error.message).toMatch(/line 3, column 3/)
      expect(error.details).toMatchObject({ line: 3, column: 3 })
      expectFailure(() => store.saveDraft('f1', 1, ''), 'invalid-json')
      expectFailure(() => store.saveDraft('f1', 1, '[1, 2]'), 'invalid-flow')
      expect(store.getFlow('f1').draft).toMatchObject({ version: 1, flow: smallFlow() })
    })
  })

  it('refuses a draft for another flow id and keeps the stored draft', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      const error = expectFailure(() => store.saveDraft('f1', 1, smallFlow('other')), 'id-mismatch')
      expect(error.message).toMatch(/"other".*"f1"/)
      expectFailure(
        () => store.saveDraft('f1', 1, JSON.stringify(smallFlow('other'))),
        'id-mismatch',
      )
      expect(store.getFlow('f1').draft).toMatchObject({ version: 1, flow: smallFlow() })
    })
  })

  it('saves drafts with validation problems: they are work in progress', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      const broken = { ...smallFlow(), nodes: [], edges: [{ id: 'e1', source: 'x' }] }
      expect(store.saveDraft('f1', 1, broken).version).toBe(2)
      expect(store.getFlow('f1').draft.flow).toEqual(broken)
    })
  })

  it('refuses saving to a flow that does not exist', () => {
    withStore((store) => {
      expectFailure(() => store.saveDraft('ghost', 1, smallFlow('ghost')), 'not-found')
    })
  })
})

describe('deploy, history and revert', () => {
  it('refuses an invalid draft with its problems and leaves production alone', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      const error = expectFailure(
        () => store.deploy('f1', { validate: () => problems }),
        'invalid-flow',
      )
      expect(error.message).toMatch(/1 error .*n1 and n2 form a loop/)
      expect(error.details).toEqual(problems)
      expect(store.getFlow('f1').production).toBeNull()
      expect(store.history('f1')).toEqual([])
    })
  })

  it('deploys a valid draft (warnings allowed), keeping every earlier production', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      let validated: Flow | null = null
      const first = store.deploy('f1', {
        note: 'first',
        validate: (flow) => {
          validated = flow
          return warningsOnly()
        },
      })
      expect(validated).toEqual(smallFlow())
      expect(first.revision).toBe(1)
      expect(first.sha256).toMatch(/^[0-9a-f]{64}$/)
      store.saveDraft('f1', 1, { ...smallFlow(), name: 'Second' })
      // Saving a draft does not touch production.
      expect(store.production('f1')).toEqual({ revision: 1, flow: smallFlow() })
      const second = store.deploy('f1', { validate: noProblems })
      expect(second.revision).toBe(2)

      const record = store.getFlow('f1')
      expect(record.summary.productionRevision).toBe(2)
      expect(record.production).toMatchObject({ revision: 2, flow: { name: 'Second' }, note: null })
      const history = store.history('f1')
      expect(history.map((r) => [r.revision, r.isProduction, r.note])).toEqual([
        [2, true, null],
        [1, false, 'first'],
      ])
      expect(history[1]!.sha256).toBe(first.sha256)
      expect(history[0]!.sha256).not.toBe(first.sha256)
      expect(store.production('f1')).toEqual({
        revision: 2,
        flow: { ...smallFlow(), name: 'Second' },
      })
    })
  })

  it('reverts: an earlier revision becomes the new draft, production unchanged', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      store.deploy('f1', { validate: noProblems })
      store.saveDraft('f1', 1, { ...smallFlow(), name: 'Second' })
      store.deploy('f1', { validate: noProblems })
      store.saveDraft('f1', 2, { ...smallFlow(), name: 'Work in progress' })

      const reverted = store.revert('f1', 1)
      expect(reverted.version).toBe(4)
      const after = store.getFlow('f1')
      expect(after.draft).toMatchObject({ version: 4, flow: smallFlow() })
      expect(after.summary.name).toBe('Test flow')
      expect(after.production!.revision).toBe(2)
      expect(store.history('f1')).toHaveLength(2)
      expect(expectFailure(() => store.revert('f1', 9), 'not-found').message).toMatch(/revision 9/)
      // Each revision reads back as deployed, whatever the draft holds now.
      expect(store.revision('f1', 2)).toMatchObject({ revision: 2, flow: { name: 'Second' } })
      expect(store.revision('f1', 1).flow).toEqual(smallFlow())
      expectFailure(() => store.revision('f1', 9), 'not-found')
    })
  })

  it('refuses to deploy a flow in the trash; production() hides trashed and unknown flows', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      store.deploy('f1', { validate: noProblems })
      store.delete('f1')
      expectFailure(() => store.deploy('f1', { validate: noProblems }), 'flow-deleted')
      expect(store.production('f1')).toBeNull()
      expect(store.production('ghost')).toBeNull()
      store.restore('f1')
      expect(store.production('f1')?.revision).toBe(1)
    })
  })
})

describe('duplicate and trash', () => {
  it('duplicates the draft under <id>-copy, <id>-copy-2, or a given id and name', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      store.saveDraft('f1', 1, { ...smallFlow(), description: 'edited' })
      store.deploy('f1', { validate: noProblems })
      const copy = store.duplicate('f1')
      expect(copy).toMatchObject({ id: 'f1-copy', name: 'Test flow (copy)', draftVersion: 1 })
      expect(copy.productionRevision).toBeNull()
      expect(store.getFlow('f1-copy').draft.flow).toEqual({
        ...smallFlow('f1-copy', 'Test flow (copy)'),
        description: 'edited',
      })
      expect(store.duplicate('f1').id).toBe('f1-copy-2')
      expect(store.duplicate('f1', 'mine', 'Mine')).toMatchObject({ id: 'mine', name: 'Mine' })
      expectFailure(() => store.duplicate('f1', 'mine'), 'flow-exists')
      expectFailure(() => store.duplicate('ghost'), 'not-found')
    })
  })

  it('moves flows to the trash, restores them, and empties the trash for good', () => {
    withStore((store) => {
      store.createFlow(smallFlow('a'))
      store.createFlow(smallFlow('b'))
      store.deploy('b', { validate: noProblems })
      store.saveTestCases('b', [{ name: 'case', event: {} }])
      store.delete('a')
      store.delete('b')
      expectFailure(() => store.delete('b'), 'not-found')
      expect(store.listFlows()).toEqual([])
      expect(store.getFlow('a').summary.deletedAt).not.toBeNull()
      expect(store.restore('a').deletedAt).toBeNull()
      expect(store.listFlows().map((f) => f.id)).toEqual(['a'])

      expect(store.emptyTrash()).toBe(1)
      expectFailure(() => store.getFlow('b'), 'not-found')
      expect(store.listFlows({ includeDeleted: true }).map((f) => f.id)).toEqual(['a'])
      // Its draft, revisions and test cases went with it.
      for (const table of ['flow_drafts', 'flow_revisions', 'test_cases']) {
        expect(countRows(store.file, table, 'b'), table).toBe(0)
      }
      // The id is free again.
      store.createFlow(smallFlow('b'))
      expect(store.getFlow('b').draft.version).toBe(1)
    })
  })
})

describe('test cases', () => {
  const cases: TestCase[] = [
    { name: 'big order', event: { properties: { total: 500 } }, expect: { status: 'succeeded' } },
    { name: 'small order', event: { properties: { total: 5 } }, expect: { notReached: ['log'] } },
  ]

  it('replaces all of a flow’s test cases at once, in order', () => {
    withStore((store) => {
      store.createFlow(smallFlow())
      expect(store.listTestCases('f1')).toEqual([])
      store.saveTestCases('f1', cases)
      expect(store.listTestCases('f1')).toEqual(cases)
      store.saveTestCases('f1', [cases[1]!])
      expect(store.listTestCases('f1')).toEqual([cases[1]])
      expectFailure(() => store.saveTestCases('ghost', cases), 'not-found')
      expectFailure(() => store.listTestCases('ghost'), 'not-found')
    })
  })

  it('takes the test cases a flow document carries, and copies them with a duplicate', () => {
    withStore((store) => {
      store.createFlow({ ...smallFlow(), tests: cases })
      expect(store.listTestCases('f1')).toEqual(cases)
      store.saveTestCases('f1', [cases[0]!])
      store.createFlow(smallFlow('plain'))
      store.saveTestCases('plain', cases)
      store.duplicate('plain')
      expect(store.listTestCases('plain-copy')).toEqual(cases)
    })
  })
})
