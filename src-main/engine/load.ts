/**
 * Turns a flow document into a LoadedFlow: validated once, sorted once, expressions compiled
 * once (lazily, through the flow's ExpressionCache), ready to run many events.
 */
import { ExpressionCache } from '../../src-shared/expr'
import type { Flow, FlowEdge, FlowNode, JoinMode, Problem } from '../../src-shared/flow/types'
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import type { PluginDefinition, PluginLookup } from '../../src-shared/plugin-sdk'
import { ERROR_PORT, isTriggerPlugin, outputPortsOf } from '../../src-shared/plugin-sdk'

/** Where the engine finds plugin code; the registry implements it. */
export interface PluginSource extends PluginLookup {
  get(id: string): PluginDefinition | undefined
}

export interface LoadedEdge extends FlowEdge {
  index: number
  /** Index of the source node in the flow's node list. */
  sourceIndex: number
}

export interface LoadedNode {
  id: string
  index: number
  node: FlowNode
  definition: PluginDefinition
  join: JoinMode
  inEdges: LoadedEdge[]
  outEdges: Map<string, LoadedEdge[]>
  outputPorts: Set<string>
  hasErrorEdge: boolean
}

export interface LoadedFlow {
  flow: Flow
  nodes: Map<string, LoadedNode>
  /** Topological order: every node comes after all nodes that feed it. */
  order: LoadedNode[]
  edges: LoadedEdge[]
  entry: LoadedNode
  expressions: ExpressionCache
  warnings: Problem[]
}

export class FlowLoadError extends Error {
  constructor(
    message: string,
    readonly problems: Problem[],
  ) {
    super(message)
    this.name = 'FlowLoadError'
  }
}

export function loadFlow(input: unknown, plugins: PluginSource): LoadedFlow {
  const problems = validateFlow(input, { plugins })
  if (hasErrors(problems)) {
    const errors = problems.filter((p) => p.severity === 'error')
    const first = errors[0]!
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''
    throw new FlowLoadError(`The flow has errors: ${first.message}${more}`, problems)
  }
  const flow = input as Flow
  const nodeIndex = new Map(flow.nodes.map((node, index) => [node.id, index]))
  const edges: LoadedEdge[] = flow.edges.map((edge, index) => ({
    ...edge,
    index,
    sourceIndex: nodeIndex.get(edge.source)!,
  }))
  const nodes = new Map<string, LoadedNode>()
  flow.nodes.forEach((node, index) => {
    const definition = plugins.get(node.plugin)!
    const join: JoinMode = node.plugin === 'flow.join' ? 'all' : (node.join ?? 'each')
    nodes.set(node.id, {
      id: node.id,
      index,
      node,
      definition,
      join,
      inEdges: [],
      outEdges: new Map(),
      outputPorts: new Set(outputPortsOf(definition, node.config)),
      hasErrorEdge: false,
    })
  })
  for (const edge of edges) {
    const source = nodes.get(edge.source)!
    nodes.get(edge.target)!.inEdges.push(edge)
    const list = source.outEdges.get(edge.sourcePort) ?? []
    list.push(edge)
    source.outEdges.set(edge.sourcePort, list)
    if (edge.sourcePort === ERROR_PORT) source.hasErrorEdge = true
  }
  const entry = [...nodes.values()].find((n) => isTriggerPlugin(n.definition))!
  const order = executionOrder(entry, nodes)
  return {
    flow,
    nodes,
    order,
    edges,
    entry,
    expressions: new ExpressionCache(),
    warnings: problems,
  }
}

/**
 * A topological order that finishes one output port's branch before the next port's:
 * reverse postorder of a depth-first walk from the entry that visits ports last-to-first.
 * So `flow.for-each`'s `item` branch runs before its `done` branch, and `true` before `false`.
 * Nodes the entry cannot reach come last (they are skipped). The flow is known to be acyclic.
 */
export function executionOrder(entry: LoadedNode, nodes: Map<string, LoadedNode>): LoadedNode[] {
  const visited = new Set<LoadedNode>()
  const postorder: LoadedNode[] = []
  const successorsOf = (node: LoadedNode): LoadedNode[] => {
    const ports = [...node.outputPorts]
    const next: LoadedNode[] = []
    for (let p = ports.length - 1; p >= 0; p--) {
      const edges = node.outEdges.get(ports[p]!) ?? []
      for (let e = edges.length - 1; e >= 0; e--) next.push(nodes.get(edges[e]!.target)!)
    }
    return next
  }
  const walk = (root: LoadedNode) => {
    if (visited.has(root)) return
    visited.add(root)
    const stack: { node: LoadedNode; next: LoadedNode[]; i: number }[] = [
      { node: root, next: successorsOf(root), i: 0 },
    ]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (top.i < top.next.length) {
        const child = top.next[top.i++]!
        if (!visited.has(child)) {
          visited.add(child)
          stack.push({ node: child, next: successorsOf(child), i: 0 })
        }
      } else {
        postorder.push(top.node)
        stack.pop()
      }
    }
  }
  walk(entry)
  const reachable = postorder.reverse()
  // Nodes the entry cannot reach never run; they are listed (as skipped) after the rest.
  const rest = [...nodes.values()].filter((node) => !visited.has(node))
  return [...reachable, ...rest]
}
