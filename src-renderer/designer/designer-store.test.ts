import { describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { environmentNames } from '../secrets/environment-names'
import { createDesignerStore, uniqueId } from './designer-store'
import { diffFlows, isEmptyDiff } from './flow-diff'

const flow: Flow = {
  schemaVersion: 1,
  id: 'f',
  name: 'F',
  nodes: [
    { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
    { id: 'a', plugin: 'flow.log', position: { x: 200, y: 0 }, config: { message: 'x' } },
    { id: 'b', plugin: 'flow.log', position: { x: 400, y: 0 }, config: { message: 'y' } },
  ],
  edges: [
    { id: 'e1', source: 'start', sourcePort: 'payload', target: 'a', targetPort: 'payload' },
    { id: 'e2', source: 'a', sourcePort: 'payload', target: 'b', targetPort: 'payload' },
  ],
}

describe('designer store', () => {
  it('makes ids unique and clean', () => {
    expect(uniqueId('check', new Set())).toBe('check')
    expect(uniqueId('check', new Set(['check', 'check-2']))).toBe('check-3')
    expect(uniqueId('--Big Node!--', new Set())).toBe('Big-Node')
    expect(uniqueId('???', new Set())).toBe('node')
  })

  it('pastes with new ids, only the edges inside the selection, offset from its top-left', () => {
    const store = createDesignerStore()
    store.getState().open(flow)
    store.getState().select(['a', 'b'])
    const fragment = store.getState().copySelection()
    expect(fragment.edges.map((e) => e.id)).toEqual(['e2'])
    const ids = store.getState().paste(fragment, { x: 1000, y: 500 })
    expect(ids).toEqual(['a-2', 'b-2'])
    const pasted = store.getState().flow!
    expect(pasted.nodes.find((n) => n.id === 'a-2')!.position).toEqual({ x: 1000, y: 500 })
    expect(pasted.edges.filter((e) => e.source === 'a-2').map((e) => e.target)).toEqual(['b-2'])
  })

  it('refuses a connection that would close a cycle, saying why', () => {
    const store = createDesignerStore()
    store.getState().open(flow)
    const result = store
      .getState()
      .connect({ source: 'b', sourcePort: 'payload', target: 'a', targetPort: 'payload' })
    expect(result.ok).toBe(false)
  })

  it('a move is one undo step and not a change worth deploying', () => {
    const store = createDesignerStore()
    store.getState().open(flow)
    store.getState().beginGesture()
    store.getState().moveNodes({ a: { x: 210, y: 5 } })
    store.getState().moveNodes({ a: { x: 220, y: 10 } })
    store.getState().endGesture()
    expect(isEmptyDiff(diffFlows(flow, store.getState().flow!))).toBe(true)
    store.temporal.getState().undo()
    expect(store.getState().flow!.nodes[1]!.position).toEqual({ x: 200, y: 0 })
  })
})

describe('the environment the validator sees', () => {
  it('takes shared secrets, overridden by the current environment’s own, and its variables', () => {
    expect(environmentNames(null)).toBeUndefined()
    const names = environmentNames({
      current: 'production',
      environments: [
        { name: 'development', vars: { a: 1 }, current: false },
        { name: 'production', vars: { apiBase: 'x' }, current: true },
      ],
      secrets: [
        { name: 'crm', environment: null, fields: ['apiKey'], updatedAt: '' },
        { name: 'crm', environment: 'production', fields: ['apiKey', 'user'], updatedAt: '' },
        { name: 'mail', environment: 'development', fields: ['password'], updatedAt: '' },
      ],
    })
    expect(names).toEqual({
      name: 'production',
      secrets: { crm: ['apiKey', 'user'] },
      vars: ['apiBase'],
    })
  })
})
