import { describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { diffFlows, isEmptyDiff } from './flow-diff'

const base: Flow = {
  schemaVersion: 1,
  id: 'f',
  name: 'F',
  nodes: [
    { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
    {
      id: 'check',
      plugin: 'flow.if',
      position: { x: 200, y: 0 },
      config: { condition: 'event.properties.total > 10' },
    },
    { id: 'log', plugin: 'flow.log', position: { x: 400, y: 0 }, config: { message: 'hi' } },
  ],
  edges: [
    { id: 'e1', source: 'start', sourcePort: 'payload', target: 'check', targetPort: 'payload' },
    { id: 'e2', source: 'check', sourcePort: 'true', target: 'log', targetPort: 'payload' },
  ],
}

describe('diffing a revision against the draft', () => {
  it('names the nodes, the connections and the config fields that changed', () => {
    const draft: Flow = structuredClone(base)
    draft.nodes[1]!.config = { condition: 'event.properties.total > 100' }
    draft.nodes[1]!.label = 'Big order?'
    draft.nodes[1]!.position = { x: 250, y: 40 }
    draft.nodes = draft.nodes.filter((n) => n.id !== 'log')
    draft.nodes.push({ id: 'end', plugin: 'flow.end', position: { x: 0, y: 0 }, config: {} })
    draft.edges = [
      draft.edges[0]!,
      { id: 'e3', source: 'check', sourcePort: 'false', target: 'end', targetPort: 'payload' },
    ]
    const diff = diffFlows(base, draft)
    expect(diff).toMatchObject({
      added: ['end'],
      removed: ['log'],
      changed: ['check'],
      edges: { added: ['check.false → end.payload'], removed: ['check.true → log.payload'] },
      nodeFields: { check: ['config.condition', 'label'] },
    })
  })

  it('finds nothing when only positions moved', () => {
    const moved: Flow = structuredClone(base)
    moved.nodes[2]!.position = { x: 9, y: 9 }
    expect(isEmptyDiff(diffFlows(base, moved))).toBe(true)
  })
})
