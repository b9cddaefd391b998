import { Background, Controls, MiniMap, ReactFlow, useReactFlow } from '@xyflow/react'
import type {
  Connection,
  Edge,
  EdgeChange,
  FinalConnectionState,
  IsValidConnection,
  NodeChange,
  NodeTypes,
} from '@xyflow/react'
import { useCallback, useMemo, useRef, useState } from 'react'
import type { DragEvent } from 'react'
import type { FlowNode, Problem } from '../../src-shared/flow/types'
import { outputPortsOf } from '../../src-shared/plugin-sdk'
import { useDesigner, useDesignerApi } from './DesignerContext'
import type { CanvasNode, FlowNodeData, NodeCoverage, NodeRunStatus } from './FlowNodeView'
import { FlowNodeView } from './FlowNodeView'
import { wouldCreateCycle } from './graph-checks'
import { FIT_VIEW, handlesOf, NODE_WIDTH, nodeHeight } from './node-size'
import { useDocumentTheme } from '../shell/useTheme'

/** Declared once, outside components, so xyflow never sees a new object. */
const nodeTypes: NodeTypes = { flowNode: FlowNodeView }

export const PALETTE_MIME = 'application/x-flowbench-plugin'

const SKIPPED = { status: 'skipped' as const, order: null }

export interface RunOverlay {
  nodes: Record<string, { status: NodeRunStatus; order: number | null }>
  edges: Record<string, 'active' | 'inactive' | 'unreached'>
}

/** What the Coverage toggle paints: each node's uncovered state, by node id. */
export type CoverageOverlay = Map<string, NodeCoverage>

export function Canvas({
  problems,
  overlay,
  coverage = null,
  onMessage,
}: {
  problems: Problem[]
  overlay: RunOverlay | null
  coverage?: CoverageOverlay | null
  onMessage: (text: string) => void
}) {
  const api = useDesignerApi()
  const flow = useDesigner((s) => s.flow)
  const plugins = useDesigner((s) => s.plugins)
  const selectedNodes = useDesigner((s) => s.selectedNodes)
  const selectedEdges = useDesigner((s) => s.selectedEdges)
  const { screenToFlowPosition } = useReactFlow()
  const theme = useDocumentTheme()
  // The sizes xyflow measured, handed back with every node: a node given to xyflow without them
  // is hidden until measured again, and its DOM size has not changed, so it never is.
  // Kept in a ref, written the moment xyflow reports them: a render in between that handed a node
  // over without its size would make xyflow forget the handle positions it had measured.
  const sizes = useRef<Record<string, { width: number; height: number }>>({})
  const [sizesVersion, setSizesVersion] = useState(0)
  // Where the nodes being dragged are drawn while the drag lasts. The flow document takes the
  // positions once, when the node is dropped: every move through the document would re-render
  // the whole designer (and serialise the flow) on every mouse move of the drag.
  const dragRef = useRef<Record<string, { x: number; y: number }> | null>(null)
  const [dragPositions, setDragPositions] = useState<Record<
    string,
    { x: number; y: number }
  > | null>(null)

  const problemsByNode = useMemo(() => {
    const map = new Map<string, { errors: number; warnings: number; first: string | null }>()
    for (const p of problems) {
      if (!p.nodeId) continue
      const entry = map.get(p.nodeId) ?? { errors: 0, warnings: 0, first: null }
      if (p.severity === 'error') entry.errors++
      else entry.warnings++
      entry.first ??= p.message
      map.set(p.nodeId, entry)
    }
    return map
  }, [problems])

  const noProblems = useMemo(() => ({ errors: 0, warnings: 0, first: null }), [])
  const selectedNodeSet = useMemo(() => new Set(selectedNodes), [selectedNodes])
  const selectedEdgeSet = useMemo(() => new Set(selectedEdges), [selectedEdges])

  // Node data is reused while their flow node, problems, run state and selection stay the
  // same, so a drag re-renders the dragged node only (memo() compares props by identity).
  const cache = useRef(new WeakMap<FlowNode, { key: unknown[]; data: FlowNodeData }>())
  const cacheInputs = useRef<unknown[]>([])
  // The node objects themselves are reused too while nothing about them changed: xyflow rebuilds
  // its internal node for every new object, dropping the handle positions it measured.
  const previousNodes = useRef(new Map<string, CanvasNode>())
  const nodes: CanvasNode[] = useMemo(() => {
    if (!flow) return []
    const inputs = [plugins, problemsByNode, overlay, coverage]
    if (!inputs.every((x, i) => x === cacheInputs.current[i])) {
      cache.current = new WeakMap()
      cacheInputs.current = inputs
    }
    const next = new Map<string, CanvasNode>()
    const result = flow.nodes.map((node) => {
      const problemsOf = problemsByNode.get(node.id) ?? noProblems
      const run = overlay?.nodes[node.id] ?? (overlay ? SKIPPED : null)
      const selected = selectedNodeSet.has(node.id)
      const covered = coverage?.get(node.id) ?? null
      const key = [problemsOf, run, selected, covered]
      const hit = cache.current.get(node)
      let data = hit && hit.key.every((x, i) => x === key[i]) ? hit.data : null
      if (!data) {
        const plugin = plugins[node.plugin] ?? null
        data = {
          node,
          plugin,
          inputs: plugin ? plugin.inputs : [],
          outputs: plugin ? outputPortsOf(plugin, node.config) : ['error'],
          problems: problemsOf,
          run,
          coverage: covered,
        }
        cache.current.set(node, { key, data })
      }
      // Until xyflow has measured a node, it gets the size the node will be drawn at: nodes
      // outside the view are never drawn, yet fit-view and the minimap need their extent.
      const measured = sizes.current[node.id] ?? expectedSize(data)
      const position = dragPositions?.[node.id] ?? node.position
      const previous = previousNodes.current.get(node.id)
      if (
        previous &&
        previous.data === data &&
        previous.position === position &&
        previous.selected === selected &&
        sameSize(previous.measured, measured)
      ) {
        next.set(node.id, previous)
        return previous
      }
      const canvasNode: CanvasNode = {
        id: node.id,
        type: 'flowNode',
        position,
        data,
        selected,
        measured,
        handles: handlesOf(data.inputs, data.outputs),
      }
      next.set(node.id, canvasNode)
      return canvasNode
    })
    previousNodes.current = next
    return result
    // sizesVersion: recompute once new sizes are in the ref.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [
    flow,
    plugins,
    problemsByNode,
    noProblems,
    overlay,
    coverage,
    selectedNodeSet,
    sizesVersion,
    dragPositions,
  ])

  const flowEdges = flow?.edges
  const edges: Edge[] = useMemo(() => {
    if (!flowEdges) return []
    return flowEdges.map((edge) => {
      const state = overlay?.edges[edge.id]
      const classes = [edge.sourcePort === 'error' ? 'fb-edge error' : 'fb-edge']
      if (state) classes.push(`trace-${state}`)
      return {
        id: edge.id,
        source: edge.source,
        target: edge.target,
        sourceHandle: edge.sourcePort,
        targetHandle: edge.targetPort,
        className: classes.join(' '),
        selected: selectedEdgeSet.has(edge.id),
        animated: state === 'active',
        data: { testid: `edge-${edge.id}` },
      }
    })
  }, [flowEdges, overlay, selectedEdgeSet])

  const dropDrag = useCallback(() => {
    dragRef.current = null
    setDragPositions(null)
  }, [])

  /** A drag that ended without a final move (xyflow sends one when positions changed) still lands. */
  const endDrag = useCallback(() => {
    if (dragRef.current) api.getState().moveNodes(dragRef.current)
    dropDrag()
    api.getState().endGesture()
  }, [api, dropDrag])

  // The canvas is controlled: moves and selection come back as changes and go into the store.
  // Removal is left to onDelete, so deleting nodes and their edges is one undo step.
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const state = api.getState()
      const positions: Record<string, { x: number; y: number }> = {}
      let moved = false
      let dragged = false
      let selection: Set<string> | null = null
      let measured: Record<string, { width: number; height: number }> | null = null
      for (const change of changes) {
        if (change.type === 'dimensions' && change.dimensions) {
          measured ??= {}
          measured[change.id] = change.dimensions
        } else if (change.type === 'position' && change.position) {
          positions[change.id] = change.position
          if (change.dragging) dragged = true
          else moved = true
        } else if (change.type === 'select') {
          selection ??= new Set(state.selectedNodes)
          if (change.selected) selection.add(change.id)
          else selection.delete(change.id)
        }
      }
      if (
        measured &&
        !Object.entries(measured).every(([id, size]) => sameSize(sizes.current[id], size))
      ) {
        sizes.current = { ...sizes.current, ...measured }
        setSizesVersion((v) => v + 1)
      }
      if (dragged && !moved) {
        dragRef.current = { ...dragRef.current, ...positions }
        setDragPositions(dragRef.current)
      } else if (moved) {
        state.moveNodes({ ...dragRef.current, ...positions })
        dropDrag()
      }
      if (selection && !sameList([...selection], state.selectedNodes))
        state.select([...selection], api.getState().selectedEdges)
    },
    [api, dropDrag],
  )

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const state = api.getState()
      let selection: Set<string> | null = null
      for (const change of changes) {
        if (change.type === 'select') {
          selection ??= new Set(state.selectedEdges)
          if (change.selected) selection.add(change.id)
          else selection.delete(change.id)
        }
      }
      if (selection && !sameList([...selection], state.selectedEdges))
        state.select(api.getState().selectedNodes, [...selection])
    },
    [api],
  )

  const isValidConnection: IsValidConnection = useCallback(
    (connection) => {
      const state = api.getState()
      if (!state.flow) return false
      if (connection.source === connection.target) return false
      return !wouldCreateCycle(state.flow.edges, connection.source, connection.target)
    },
    [api],
  )

  const onConnect = useCallback(
    (connection: Connection) => {
      const result = api.getState().connect({
        source: connection.source,
        sourcePort: connection.sourceHandle ?? 'payload',
        target: connection.target,
        targetPort: connection.targetHandle ?? 'payload',
      })
      if (!result.ok) onMessage(result.reason)
    },
    [api, onMessage],
  )

  // A refused drop says why, instead of just not drawing the edge.
  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid !== false || !state.toNode || !state.fromNode) return
      const flowEdges = api.getState().flow?.edges ?? []
      if (state.fromNode.id === state.toNode.id) onMessage('A node cannot connect to itself')
      else if (wouldCreateCycle(flowEdges, state.fromNode.id, state.toNode.id))
        onMessage(`Connecting ${state.fromNode.id} to ${state.toNode.id} would create a cycle`)
    },
    [api, onMessage],
  )

  const onDelete = useCallback(() => api.getState().deleteSelection(), [api])

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes(PALETTE_MIME)) {
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    }
  }, [])

  const onDrop = useCallback(
    (event: DragEvent) => {
      const pluginId = event.dataTransfer.getData(PALETTE_MIME)
      if (!pluginId) return
      event.preventDefault()
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY })
      api.getState().addNode(pluginId, { x: position.x - 90, y: position.y - 20 })
    },
    [api, screenToFlowPosition],
  )

  return (
    <ReactFlow<CanvasNode>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={onConnect}
      onConnectEnd={onConnectEnd}
      isValidConnection={isValidConnection}
      onDelete={onDelete}
      onNodeDragStart={() => api.getState().beginGesture()}
      onNodeDragStop={endDrag}
      onSelectionDragStart={() => api.getState().beginGesture()}
      onSelectionDragStop={endDrag}
      onDragOver={onDragOver}
      onDrop={onDrop}
      deleteKeyCode={['Delete', 'Backspace']}
      multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
      selectionKeyCode="Shift"
      selectionOnDrag={false}
      onlyRenderVisibleElements
      fitView
      fitViewOptions={FIT_VIEW}
      minZoom={0.1}
      proOptions={{ hideAttribution: true }}
      colorMode={theme}
    >
      <Background gap={20} />
      <MiniMap
        pannable
        zoomable
        className="fb-minimap"
        nodeColor="#4f7cff"
        nodeStrokeColor="#4f7cff"
        nodeBorderRadius={6}
        maskColor="rgb(120 130 150 / 25%)"
      />
      <Controls showInteractive={false} />
    </ReactFlow>
  )
}

function expectedSize(data: FlowNodeData): { width: number; height: number } {
  return {
    width: NODE_WIDTH,
    height: nodeHeight(Math.max(data.inputs.length, data.outputs.length)),
  }
}

function sameSize(
  a: { width?: number; height?: number } | undefined,
  b: { width: number; height: number },
): boolean {
  return !!a && a.width === b.width && a.height === b.height
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
