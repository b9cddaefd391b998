import { describe, expect, expectTypeOf, it } from 'vitest'
import type { Flow } from '../flow/types'
import type { PluginMeta } from '../plugin-sdk'
import { contract } from './contract'
import type { MethodInput, MethodOutput, PluginSummary } from './contract'

describe('the contract carries the app types', () => {
  it('hands plugins out as PluginMeta, flows as Flow and runs as the execution report', () => {
    expectTypeOf<PluginSummary>().toExtend<PluginMeta>()
    expectTypeOf<MethodOutput<'flows.get'>['draft']['flow']>().toEqualTypeOf<Flow>()
    expectTypeOf<Flow>().toExtend<NonNullable<MethodInput<'flows.saveDraft'>['flow']>>()
  })

  it('takes a flow document to save as it is (the flow validator judges its fields), never a non-object', () => {
    const flow = { schemaVersion: 1, id: 'f', name: 'F', nodes: [], edges: [], extra: 1 }
    const parsed = contract['flows.saveDraft'].input.parse({ id: 'f', baseVersion: 1, flow })
    expect(parsed.flow).toEqual(flow)
    for (const bad of [[], 'text', null])
      expect(
        contract['flows.saveDraft'].input.safeParse({ id: 'f', baseVersion: 1, flow: bad }).success,
      ).toBe(false)
  })
})
