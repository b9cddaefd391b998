import type { FlowEdge } from '../../src-shared/flow/types'

/** True when adding source→target would close a loop: target already reaches source. */
export function wouldCreateCycle(
  edges: readonly FlowEdge[],
  source: string,
  target: string,
): boolean {
  if (source === target) return true
  const next = new Map<string, string[]>()
  for (const edge of edges) {
    const list = next.get(edge.source)
    if (list) list.push(edge.target)
    else next.set(edge.source, [edge.target])
  }
  const seen = new Set<string>([target])
  const stack = [target]
  while (stack.length > 0) {
    const node = stack.pop()!
    if (node === source) return true
    for (const child of next.get(node) ?? []) {
      if (!seen.has(child)) {
        seen.add(child)
        stack.push(child)
      }
    }
  }
  return false
}
