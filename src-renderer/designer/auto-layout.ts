/** Auto-layout with elkjs's layered algorithm, left to right, ports in order. */
import type { Flow } from '../../src-shared/flow/types'
import { NODE_WIDTH, nodeHeight } from './node-size'

export async function layoutFlow(
  flow: Flow,
  portCount: (nodeId: string) => number,
): Promise<Record<string, { x: number; y: number }>> {
  // elkjs is big; it loads the first time someone asks for a layout.
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js')
  const graph = await new ELK().layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: flow.nodes.map((n) => ({
      id: n.id,
      width: NODE_WIDTH,
      height: nodeHeight(portCount(n.id)),
    })),
    edges: flow.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  })
  const positions: Record<string, { x: number; y: number }> = {}
  for (const child of graph.children ?? [])
    positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) }
  return positions
}
