import { useRef } from 'react'
import type { Flow, FlowNode } from '../../src-shared/flow/types'

function sameExceptPosition(a: FlowNode, b: FlowNode): boolean {
  return (
    a.id === b.id &&
    a.plugin === b.plugin &&
    a.config === b.config &&
    a.label === b.label &&
    a.disabled === b.disabled &&
    a.join === b.join &&
    a.retry === b.retry &&
    a.timeoutMs === b.timeoutMs &&
    a.notes === b.notes
  )
}

/**
 * The flow, but the same object for as long as only node positions change: validation and the
 * draft/production summary depend on structure, and a drag must not recompute them every frame.
 */
export function useStructure(flow: Flow | null): Flow | null {
  const last = useRef<Flow | null>(null)
  const previous = last.current
  if (
    flow &&
    previous &&
    flow !== previous &&
    flow.edges === previous.edges &&
    flow.name === previous.name &&
    flow.description === previous.description &&
    flow.tests === previous.tests &&
    flow.metadata === previous.metadata &&
    flow.nodes.length === previous.nodes.length &&
    flow.nodes.every((node, i) => sameExceptPosition(node, previous.nodes[i]!))
  ) {
    return previous
  }
  last.current = flow
  return flow
}
