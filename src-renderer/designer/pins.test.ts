import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { pinOf, pinsOf, withPin } from './pins'

const flow = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['crm', 'http.request'],
  ],
  ['start.payload -> crm'],
)

describe('pinned outputs', () => {
  it('pins a node’s output in the flow’s metadata, beside what metadata already holds', () => {
    const pinned = withPin({ ...flow, metadata: { owner: 'ana' } }, 'crm', {
      port: 'response',
      value: { status: 200 },
    })
    expect(pinned.metadata).toEqual({
      owner: 'ana',
      pinnedOutputs: { crm: { port: 'response', value: { status: 200 } } },
    })
    expect(pinOf(pinned, 'crm')).toEqual({ port: 'response', value: { status: 200 } })
    expect(pinOf(pinned, 'start')).toBeUndefined()
  })

  it('removes a pin, and the metadata it made once no pin is left', () => {
    const pinned = withPin(flow, 'crm', { port: 'response', value: 1 })
    const unpinned = withPin(pinned, 'crm', null)
    expect(unpinned).not.toHaveProperty('metadata')
    expect(pinOf(unpinned, 'crm')).toBeUndefined()
    expect(
      withPin({ ...pinned, metadata: { ...pinned.metadata, x: 1 } }, 'crm', null).metadata,
    ).toEqual({ x: 1 })
  })

  it('sends only the pins of nodes the flow still has, and nothing when none', () => {
    expect(pinsOf(flow)).toBeUndefined()
    const pinned = withPin(withPin(flow, 'crm', { port: 'response', value: 1 }), 'gone', {
      port: 'payload',
      value: 2,
    })
    expect(pinsOf(pinned)).toEqual({ crm: { port: 'response', value: 1 } })
  })

  it('ignores a malformed pin written by hand in the JSON', () => {
    expect(pinOf({ ...flow, metadata: { pinnedOutputs: { crm: 'oops' } } }, 'crm')).toBeUndefined()
    expect(pinOf({ ...flow, metadata: { pinnedOutputs: 3 } }, 'crm')).toBeUndefined()
  })
})
