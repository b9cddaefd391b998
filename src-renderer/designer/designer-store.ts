/**
 * The designer's state: the open flow document, the selection, and every edit as an action.
 * Undo/redo snapshots the flow with zundo; a drag records one snapshot for the whole gesture.
 */
import { temporal } from 'zundo'
import { createStore } from 'zustand/vanilla'
import type { Flow, FlowEdge, FlowNode, TestCase } from '../../src-shared/flow/types'
import type { PluginSummary } from '../../src-shared/api/contract'
import { outputPortsOf } from '../../src-shared/plugin-sdk'
import { wouldCreateCycle } from './graph-checks'

export interface DesignerState {
  flowId: string | null
  flow: Flow | null
  selectedNodes: string[]
  selectedEdges: string[]
  plugins: Record<string, PluginSummary>
}

export interface DesignerActions {
  open(flow: Flow): void
  close(): void
  setPlugins(plugins: PluginSummary[]): void
  /** Replaces the whole document (JSON edits, revert). */
  replaceFlow(flow: Flow): void
  addNode(pluginId: string, position: { x: number; y: number }): string | null
  moveNodes(positions: Record<string, { x: number; y: number }>): void
  updateConfig(nodeId: string, config: Record<string, unknown>): void
  updateNode(nodeId: string, patch: Partial<Omit<FlowNode, 'id' | 'plugin' | 'config'>>): void
  connect(edge: Omit<FlowEdge, 'id'>): { ok: true; id: string } | { ok: false; reason: string }
  select(nodes: string[], edges?: string[]): void
  deleteSelection(): void
  duplicateSelection(): void
  /** Pastes a fragment: new ids through an old→new map, only edges inside it, offset from its top-left. */
  paste(fragment: { nodes: FlowNode[]; edges: FlowEdge[] }, at?: { x: number; y: number }): string[]
  copySelection(): { nodes: FlowNode[]; edges: FlowEdge[] }
  renameFlow(name: string): void
  setTests(tests: TestCase[]): void
  /** Start and end of a gesture (drag): the whole gesture is one undo step. */
  beginGesture(): void
  endGesture(): void
}

export type DesignerStore = DesignerState & DesignerActions

/** Ids must be unique in the flow: `check`, `check-2`, `check-3`… */
export function uniqueId(base: string, taken: Set<string>): string {
  const dashed = base.replace(/[^A-Za-z0-9_-]+/g, '-')
  let start = 0
  let end = dashed.length
  while (start < end && dashed[start] === '-') start++
  while (end > start && dashed[end - 1] === '-') end--
  const clean = dashed.slice(start, end) || 'node'
  if (!taken.has(clean)) return clean
  for (let i = 2; ; i++) {
    const candidate = `${clean}-${i}`
    if (!taken.has(candidate)) return candidate
  }
}

function nodeBaseId(pluginId: string): string {
  return pluginId.split('.').pop() ?? 'node'
}

/** Edits of one field closer together than this are one undo step: typing, not a series of edits. */
export const TYPING_PAUSE_MS = 1000

export function createDesignerStore() {
  let gestureSnapshot: { flow: Flow | null } | null = null
  let lastTyped: { key: string; flow: Flow; at: number } | null = null

  const store = createStore<DesignerStore>()(
    temporal(
      (set, get) => {
        const edit = (fn: (flow: Flow) => Flow | null) => {
          const { flow } = get()
          if (!flow) return
          const next = fn(flow)
          if (next && next !== flow) set({ flow: next })
        }
        /**
         * An edit that continues the one just made to the same field (nothing else in between,
         * no pause) replaces its undo step instead of adding one.
         */
        const typed = (key: string, fn: (flow: Flow) => Flow | null) => {
          const before = get().flow
          if (!before) return
          const now = Date.now()
          const continues =
            lastTyped !== null &&
            lastTyped.key === key &&
            lastTyped.flow === before &&
            now - lastTyped.at < TYPING_PAUSE_MS
          const past = store.temporal.getState().pastStates.length
          edit(fn)
          const after = get().flow
          if (!after || after === before) return
          const { pastStates } = store.temporal.getState()
          if (continues && pastStates.length === past + 1)
            store.temporal.setState({ pastStates: pastStates.slice(0, -1) })
          lastTyped = { key, flow: after, at: now }
        }
        return {
          flowId: null,
          flow: null,
          selectedNodes: [],
          selectedEdges: [],
          plugins: {},

          open(flow) {
            set({ flowId: flow.id, flow, selectedNodes: [], selectedEdges: [] })
            store.temporal.getState().clear()
          },
          close() {
            set({ flowId: null, flow: null, selectedNodes: [], selectedEdges: [] })
            store.temporal.getState().clear()
          },
          setPlugins(plugins) {
            set({ plugins: Object.fromEntries(plugins.map((p) => [p.id, p])) })
          },
          replaceFlow(flow) {
            edit(() => flow)
          },
          addNode(pluginId, position) {
            const plugin = get().plugins[pluginId]
            const flow = get().flow
            if (!plugin || !flow) return null
            const id = uniqueId(nodeBaseId(pluginId), new Set(flow.nodes.map((n) => n.id)))
            const node: FlowNode = {
              id,
              plugin: pluginId,
              label: plugin.name,
              position: { x: Math.round(position.x), y: Math.round(position.y) },
              config: structuredClone(plugin.defaultConfig),
            }
            set({
              flow: { ...flow, nodes: [...flow.nodes, node] },
              selectedNodes: [id],
              selectedEdges: [],
            })
            return id
          },
          moveNodes(positions) {
            edit((flow) => ({
              ...flow,
              nodes: flow.nodes.map((n) =>
                positions[n.id]
                  ? {
                      ...n,
                      position: {
                        x: Math.round(positions[n.id]!.x),
                        y: Math.round(positions[n.id]!.y),
                      },
                    }
                  : n,
              ),
            }))
          },
          updateConfig(nodeId, config) {
            typed(`config:${nodeId}`, (flow) => ({
              ...flow,
              nodes: flow.nodes.map((n) => (n.id === nodeId ? { ...n, config } : n)),
            }))
          },
          updateNode(nodeId, patch) {
            typed(`node:${nodeId}:${Object.keys(patch).sort().join(',')}`, (flow) => ({
              ...flow,
              nodes: flow.nodes.map((n) => {
                if (n.id !== nodeId) return n
                const next: FlowNode = { ...n, ...patch }
                for (const key of Object.keys(patch) as (keyof FlowNode)[]) {
                  if (patch[key as keyof typeof patch] === undefined) delete next[key]
                }
                return next
              }),
            }))
          },
          connect(edge) {
            const { flow, plugins } = get()
            if (!flow) return { ok: false, reason: 'No flow is open' }
            if (edge.source === edge.target)
              return { ok: false, reason: 'A node cannot connect to itself' }
            const source = flow.nodes.find((n) => n.id === edge.source)
            const target = flow.nodes.find((n) => n.id === edge.target)
            if (!source || !target)
              return { ok: false, reason: 'Both ends must be nodes of this flow' }
            const sourcePlugin = plugins[source.plugin]
            const targetPlugin = plugins[target.plugin]
            if (
              sourcePlugin &&
              !outputPortsOf(sourcePlugin, source.config).includes(edge.sourcePort)
            ) {
              return { ok: false, reason: `${source.id} has no output port "${edge.sourcePort}"` }
            }
            if (targetPlugin && !targetPlugin.inputs.includes(edge.targetPort)) {
              return { ok: false, reason: `${target.id} has no input port "${edge.targetPort}"` }
            }
            if (
              flow.edges.some(
                (e) =>
                  e.source === edge.source &&
                  e.sourcePort === edge.sourcePort &&
                  e.target === edge.target &&
                  e.targetPort === edge.targetPort,
              )
            ) {
              return { ok: false, reason: 'These ports are already connected' }
            }
            if (wouldCreateCycle(flow.edges, edge.source, edge.target))
              return { ok: false, reason: 'This connection would create a cycle' }
            const id = uniqueId(
              `e-${edge.source}-${edge.target}`,
              new Set(flow.edges.map((e) => e.id)),
            )
            set({ flow: { ...flow, edges: [...flow.edges, { id, ...edge }] } })
            return { ok: true, id }
          },
          select(nodes, edges = []) {
            set({ selectedNodes: nodes, selectedEdges: edges })
          },
          deleteSelection() {
            const { selectedNodes, selectedEdges } = get()
            if (selectedNodes.length === 0 && selectedEdges.length === 0) return
            const nodes = new Set(selectedNodes)
            const edges = new Set(selectedEdges)
            edit((flow) => ({
              ...flow,
              nodes: flow.nodes.filter((n) => !nodes.has(n.id)),
              edges: flow.edges.filter(
                (e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target),
              ),
            }))
            set({ selectedNodes: [], selectedEdges: [] })
          },
          copySelection() {
            const { flow, selectedNodes } = get()
            if (!flow) return { nodes: [], edges: [] }
            const ids = new Set(selectedNodes)
            return {
              nodes: structuredClone(flow.nodes.filter((n) => ids.has(n.id))),
              edges: structuredClone(
                flow.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
              ),
            }
          },
          duplicateSelection() {
            const fragment = get().copySelection()
            if (fragment.nodes.length === 0) return
            const minX = Math.min(...fragment.nodes.map((n) => n.position.x))
            const minY = Math.min(...fragment.nodes.map((n) => n.position.y))
            get().paste(fragment, { x: minX + 40, y: minY + 40 })
          },
          paste(fragment, at) {
            const flow = get().flow
            if (!flow || fragment.nodes.length === 0) return []
            const takenNodes = new Set(flow.nodes.map((n) => n.id))
            const takenEdges = new Set(flow.edges.map((e) => e.id))
            const idMap = new Map<string, string>()
            for (const node of fragment.nodes) {
              const id = uniqueId(node.id, takenNodes)
              takenNodes.add(id)
              idMap.set(node.id, id)
            }
            const minX = Math.min(...fragment.nodes.map((n) => n.position.x))
            const minY = Math.min(...fragment.nodes.map((n) => n.position.y))
            const origin = at ?? { x: minX + 40, y: minY + 40 }
            const nodes = fragment.nodes.map((n) => ({
              ...structuredClone(n),
              id: idMap.get(n.id)!,
              position: {
                x: Math.round(origin.x + n.position.x - minX),
                y: Math.round(origin.y + n.position.y - minY),
              },
            }))
            const edges = fragment.edges
              .filter((e) => idMap.has(e.source) && idMap.has(e.target))
              .map((e) => {
                const id = uniqueId(e.id, takenEdges)
                takenEdges.add(id)
                return { ...e, id, source: idMap.get(e.source)!, target: idMap.get(e.target)! }
              })
            set({
              flow: { ...flow, nodes: [...flow.nodes, ...nodes], edges: [...flow.edges, ...edges] },
              selectedNodes: nodes.map((n) => n.id),
              selectedEdges: [],
            })
            return nodes.map((n) => n.id)
          },
          renameFlow(name) {
            typed('flow:name', (flow) => ({ ...flow, name }))
          },
          setTests(tests) {
            edit((flow) => ({ ...flow, tests }))
          },
          beginGesture() {
            if (gestureSnapshot) return
            gestureSnapshot = { flow: get().flow }
            store.temporal.getState().pause()
          },
          endGesture() {
            if (!gestureSnapshot) return
            const before = gestureSnapshot
            gestureSnapshot = null
            const temporalStore = store.temporal
            temporalStore.getState().resume()
            if (before.flow !== get().flow) {
              const { pastStates } = temporalStore.getState()
              temporalStore.setState({
                pastStates: [...pastStates, before].slice(-HISTORY_LIMIT),
                futureStates: [],
              })
            }
          },
        }
      },
      {
        partialize: (state) => ({ flow: state.flow }),
        equality: (a, b) => a.flow === b.flow,
        limit: 100,
      },
    ),
  )
  // Undo, redo, JSON edits and reverts replace the flow wholesale: a selected id whose node or
  // edge is gone must leave the selection, or the inspector keeps counting ghosts.
  store.subscribe((state, previous) => {
    if (state.flow === previous.flow) return
    const nodeIds = new Set(state.flow?.nodes.map((n) => n.id))
    const edgeIds = new Set(state.flow?.edges.map((e) => e.id))
    const nodes = state.selectedNodes.filter((id) => nodeIds.has(id))
    const edges = state.selectedEdges.filter((id) => edgeIds.has(id))
    if (nodes.length !== state.selectedNodes.length || edges.length !== state.selectedEdges.length)
      store.setState({ selectedNodes: nodes, selectedEdges: edges })
  })
  return store
}

const HISTORY_LIMIT = 100

export type DesignerStoreApi = ReturnType<typeof createDesignerStore>
