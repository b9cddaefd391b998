/**
 * A loaded flow compiled once into what a run needs at each step: the node order, each
 * node's inbound edges and its outbound edges per port as edge indexes, and the per-node
 * facts a run would otherwise look up again for every event (label, policy, join mode).
 */
import type { EdgeStatus } from '../../src-shared/engine/report'
import type { JoinMode } from '../../src-shared/flow/types'
import type { PluginAction, PluginDefinition } from '../../src-shared/plugin-sdk'
import { ERROR_PORT } from '../../src-shared/plugin-sdk'
import type { RunFrame } from './frame'
import type { LoadedEdge, LoadedFlow, LoadedNode } from './load'
import { ShapeCopier } from './shallow-copy'

export interface PlanNode {
  id: string
  /** Index in the flow's node list. */
  index: number
  loaded: LoadedNode
  definition: PluginDefinition
  pluginId: string
  config: Record<string, unknown>
  label: string | null
  join: JoinMode
  isEntry: boolean
  disabled: boolean
  /** Retry or a time limit: the node runs through the (asynchronous) invocation policy. */
  hasPolicy: boolean
  hasErrorEdge: boolean
  inEdges: LoadedEdge[]
  /** The one inbound edge of a `join: "each"` node that has exactly one: the common chain step. */
  single: LoadedEdge | null
  /**
   * The record input of a summary trace (no value) for the entry or the single edge: the same
   * for every run, so one frozen object serves all their records.
   */
  summaryInput: SummaryInput | null
  /** Port → indexes of the edges leaving it, and its slot in a run's node outputs (frame.ts). */
  outPorts: Map<string, OutPort>
  /** The node's first output port and its entry in outPorts: most results go there. */
  mainPort: string | null
  mainOut: OutPort | null
  outputPorts: Set<string>
  /** The port a joined payload arrives on. */
  joinPort: string
  /** A reusable plugin's action, set up with this node's config: shared by every run of the plan. */
  shared: PluginAction | null
}

export interface OutPort {
  edges: number[] | null
  slot: number
  /** A record's outputs with a summary trace when this port is the first it sent on: frozen, shared by all runs. */
  summaryOutputs: readonly { port: string }[]
}

export type SummaryInput = Readonly<{ port: string | null; edgeId: string | null }>

export interface RunPlan {
  order: PlanNode[]
  entry: PlanNode
  edges: LoadedEdge[]
  /** Per node index, its place in `order`: nodes before a run's current place have settled. */
  positions: number[]
  /** Every output port of every node, numbered. */
  slots: { nodeId: string; port: string }[]
  /** Frames of runs that ended, ready for the next run (frame.ts). */
  frames: RunFrame[]
  /**
   * Edge id → 'active' for every edge, in edge order: what a run's edge statuses start from,
   * and (frozen, shared) the statuses of every run that sent something on each edge.
   */
  allActive: Readonly<Record<string, EdgeStatus>>
  /** Copies allActive for a run that left an edge inactive: its keys are the plan's edge ids. */
  statusCopier: ShapeCopier
  /** The report's `trigger` of a top-level run given none (frozen, shared by those reports). */
  manualTrigger: Readonly<{ type: 'manual'; nodeId: string; plugin: string }>
}

const plans = new WeakMap<LoadedFlow, RunPlan>()

/**
 * The plan of a loaded flow, compiled at its first run and kept as long as the flow is (kept
 * beside it, not on it: loading knows nothing of plans, which are the scheduler's).
 */
export function planOf(loaded: LoadedFlow): RunPlan {
  let plan = plans.get(loaded)
  if (!plan) {
    plan = compilePlan(loaded)
    plans.set(loaded, plan)
  }
  return plan
}

function compilePlan(loaded: LoadedFlow): RunPlan {
  const slots: RunPlan['slots'] = []
  const order = loaded.order.map((node): PlanNode => {
    const outPorts = new Map<string, OutPort>()
    for (const port of node.outputPorts) {
      const edges = node.outEdges.get(port)
      outPorts.set(port, {
        edges: edges ? edges.map((edge) => edge.index) : null,
        slot: slots.length,
        summaryOutputs: Object.freeze([Object.freeze({ port })]),
      })
      slots.push({ nodeId: node.id, port })
    }
    const first = node.definition.outputs[0]
    const main = first !== undefined && outPorts.has(first) && first !== ERROR_PORT ? first : null
    const single = node.inEdges.length === 1 && node.join === 'each' ? node.inEdges[0]! : null
    const isEntry = node === loaded.entry
    return {
      id: node.id,
      index: node.index,
      loaded: node,
      definition: node.definition,
      pluginId: node.definition.id,
      config: node.node.config,
      label: node.node.label ?? null,
      join: node.join,
      isEntry,
      disabled: node.node.disabled === true,
      hasPolicy: Boolean(node.node.retry || node.node.timeoutMs),
      hasErrorEdge: node.hasErrorEdge,
      inEdges: node.inEdges,
      single,
      summaryInput: isEntry
        ? Object.freeze({ port: null, edgeId: null })
        : single
          ? Object.freeze({ port: single.targetPort, edgeId: single.id })
          : null,
      outPorts,
      mainPort: main,
      mainOut: main === null ? null : outPorts.get(main)!,
      outputPorts: node.outputPorts,
      joinPort: node.definition.inputs[0] ?? 'payload',
      shared: null,
    }
  })
  const positions = new Array<number>(order.length)
  order.forEach((node, position) => (positions[node.index] = position))
  const allActive: Record<string, EdgeStatus> = {}
  for (const edge of loaded.edges) allActive[edge.id] = 'active'
  const entry = order.find((node) => node.isEntry)!
  return {
    order,
    entry,
    manualTrigger: Object.freeze({ type: 'manual', nodeId: entry.id, plugin: entry.pluginId }),
    edges: loaded.edges,
    positions,
    slots,
    frames: [],
    allActive: Object.freeze(allActive),
    statusCopier: new ShapeCopier(),
  }
}
