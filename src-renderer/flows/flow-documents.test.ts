import { describe, expect, it } from 'vitest'
import type { FlowSummary } from '../../src-shared/api/contract'
import { asDistinctCopy, conflictingFlow } from './flow-documents'

function summary(id: string, name: string, deletedAt: string | null = null): FlowSummary {
  return {
    id,
    name,
    description: '',
    tags: [],
    draftVersion: 1,
    productionRevision: null,
    updatedAt: '2026-01-01T00:00:00Z',
    deletedAt,
  }
}

describe('opening a flow document', () => {
  const flows = [summary('orders', 'Orders'), summary('old', 'Old', '2026-01-02T00:00:00Z')]

  it('asks about a flow whose id the user already has', () => {
    expect(conflictingFlow(flows, { id: 'orders' })?.name).toBe('Orders')
    expect(conflictingFlow(flows, { id: 'new' })).toBeNull()
  })

  it('does not ask about a flow in the trash', () => {
    expect(conflictingFlow(flows, { id: 'old' })).toBeNull()
  })

  it('names a copy so that no two flows share a name', () => {
    expect(asDistinctCopy({ id: 'orders', name: 'Orders' }, flows).name).toBe('Orders (copy)')
    expect(asDistinctCopy({ name: 'Orders' }, [...flows, summary('x', 'Orders (copy)')]).name).toBe(
      'Orders (copy 2)',
    )
    expect(asDistinctCopy({ name: 'Fresh' }, flows).name).toBe('Fresh')
    expect(asDistinctCopy({ name: '  ' }, flows).name).toBe('Imported flow')
  })
})
