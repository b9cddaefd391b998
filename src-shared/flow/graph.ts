/** Graph helpers shared by the validator and the designer. */

export class CycleError extends Error {
  constructor(readonly nodeIds: string[]) {
    super(`The flow has a cycle through ${nodeIds.map((id) => `"${id}"`).join(' → ')}`)
    this.name = 'CycleError'
  }
}

/** Kahn's algorithm. Throws CycleError naming the nodes on a cycle. Edges to unknown nodes are ignored. */
export function topologicalOrder(
  nodeIds: readonly string[],
  edges: readonly { source: string; target: string }[],
): string[] {
  const known = new Set(nodeIds)
  const indegree = new Map<string, number>(nodeIds.map((id) => [id, 0]))
  const next = new Map<string, string[]>()
  for (const edge of edges) {
    if (!known.has(edge.source) || !known.has(edge.target)) continue
    indegree.set(edge.target, indegree.get(edge.target)! + 1)
    const list = next.get(edge.source)
    if (list) list.push(edge.target)
    else next.set(edge.source, [edge.target])
  }
  const queue = nodeIds.filter((id) => indegree.get(id) === 0)
  const order: string[] = []
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!
    order.push(id)
    for (const target of next.get(id) ?? []) {
      const d = indegree.get(target)! - 1
      indegree.set(target, d)
      if (d === 0) queue.push(target)
    }
  }
  if (order.length < known.size)
    throw new CycleError(
      findCycle(
        nodeIds.filter((id) => indegree.get(id)! > 0),
        next,
      ),
    )
  return order
}

/**
 * Every node Kahn's algorithm left over has a predecessor that was left over too, so walking
 * backwards must repeat a node: the stretch between the repeats is a cycle.
 */
function findCycle(remaining: string[], next: Map<string, string[]>): string[] {
  const left = new Set(remaining)
  const prev = new Map<string, string>()
  for (const [source, targets] of next) {
    if (!left.has(source)) continue
    for (const target of targets)
      if (left.has(target) && !prev.has(target)) prev.set(target, source)
  }
  const path: string[] = []
  const index = new Map<string, number>()
  let current: string | undefined = remaining[0]!
  while (current !== undefined && !index.has(current)) {
    index.set(current, path.length)
    path.push(current)
    current = prev.get(current)
  }
  if (current === undefined) return remaining
  return path.slice(index.get(current)).reverse()
}

/** Ids of the nodes reachable from the given start nodes. */
export function reachableFrom(
  starts: readonly string[],
  edges: readonly { source: string; target: string }[],
): Set<string> {
  const next = new Map<string, string[]>()
  for (const edge of edges) {
    const list = next.get(edge.source)
    if (list) list.push(edge.target)
    else next.set(edge.source, [edge.target])
  }
  const seen = new Set(starts)
  const stack = [...starts]
  while (stack.length > 0) {
    for (const target of next.get(stack.pop()!) ?? []) {
      if (!seen.has(target)) {
        seen.add(target)
        stack.push(target)
      }
    }
  }
  return seen
}

/**
 * The part of a flow that runs up to a node ("Run to here"): the node and every node it depends
 * on, with the edges between them. Every kept node keeps all its inbound edges, so each runs as it
 * would in the whole flow; what comes after the node, or beside it, is left out and does not run.
 */
export function flowUpTo<
  F extends {
    nodes: readonly { id: string }[]
    edges: readonly { source: string; target: string }[]
  },
>(flow: F, nodeId: string): F {
  const sources = new Map<string, string[]>()
  for (const edge of flow.edges) {
    const list = sources.get(edge.target)
    if (list) list.push(edge.source)
    else sources.set(edge.target, [edge.source])
  }
  const keep = new Set([nodeId])
  const queue = [nodeId]
  for (let i = 0; i < queue.length; i++) {
    for (const source of sources.get(queue[i]!) ?? []) {
      if (!keep.has(source)) {
        keep.add(source)
        queue.push(source)
      }
    }
  }
  return {
    ...flow,
    nodes: flow.nodes.filter((n) => keep.has(n.id)),
    edges: flow.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
  }
}
