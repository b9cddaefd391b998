/**
 * Flow coverage: which nodes ran, which output ports fired, which edges carried data and which
 * `flow.if`/`flow.switch` outcomes were taken, over every run of a test suite. Computed from
 * execution reports alone (no engine hooks besides subflow reports), so the CLI, the app's test
 * bench and CI all get the same figures. Pure: the renderer can use the types and helpers too.
 */
import { z } from 'zod'
import type { ExecutionReport } from '../engine/report'
import type { Flow } from '../flow/types'
import type { PluginLookup } from '../plugin-sdk'
import { ERROR_PORT, outputPortsOf } from '../plugin-sdk'

/** Plugins whose output port is a decision: each of their ports is a branch outcome. */
export const BRANCH_PLUGINS: ReadonlySet<string> = new Set(['flow.if', 'flow.switch'])

const Figure = z.object({
  covered: z.number(),
  total: z.number(),
  /** 0–100, one decimal; 100 when there is nothing to cover. */
  percent: z.number(),
})

const PortRef = z.object({ nodeId: z.string(), port: z.string() })
export type PortRef = z.infer<typeof PortRef>

export const FlowCoverage = z.object({
  flowId: z.string(),
  flowName: z.string(),
  /** Runs of this flow counted: test cases plus runs as a subflow of another flow's cases. */
  runs: z.number(),
  nodes: Figure.extend({ uncovered: z.array(z.string()) }),
  ports: Figure.extend({ uncovered: z.array(PortRef) }),
  branches: Figure.extend({ uncovered: z.array(PortRef) }),
  edges: Figure.extend({ uncovered: z.array(z.string()) }),
})
export type FlowCoverage = z.infer<typeof FlowCoverage>

/** What the runs of one flow reached, as `nodeId` / `nodeId\0port` / edge id sets. */
export interface CoverageHits {
  runs: number
  nodes: Set<string>
  ports: Set<string>
  edges: Set<string>
}

const portKey = (nodeId: string, port: string) => `${nodeId}\u0000${port}`

export function emptyHits(): CoverageHits {
  return { runs: 0, nodes: new Set(), ports: new Set(), edges: new Set() }
}

/** Adds one report's nodes, ports and edges to the hits of its flow. */
export function addReport(hits: CoverageHits, report: ExecutionReport): void {
  hits.runs++
  for (const record of report.nodes) {
    if (record.status === 'skipped') continue
    hits.nodes.add(record.nodeId)
    for (const output of record.outputs) hits.ports.add(portKey(record.nodeId, output.port))
    // An error with no error edge ends the run; it still exercised the node's error path.
    if (record.status === 'error') hits.ports.add(portKey(record.nodeId, ERROR_PORT))
  }
  for (const [edgeId, status] of Object.entries(report.edges)) {
    if (status === 'active') hits.edges.add(edgeId)
  }
}

/**
 * The ports a node can be covered on: its declared outputs (switch cases included), any port an
 * edge leaves from, and `error` only when an edge handles it — every node has an implicit error
 * port, and counting the ones nobody wired would make 100% unreachable by design.
 */
export function coverablePorts(flow: Flow, plugins: PluginLookup): PortRef[] {
  const fromEdges = new Map<string, Set<string>>()
  for (const edge of flow.edges) {
    const set = fromEdges.get(edge.source) ?? new Set<string>()
    set.add(edge.sourcePort)
    fromEdges.set(edge.source, set)
  }
  const ports: PortRef[] = []
  for (const node of flow.nodes) {
    const meta = plugins.get(node.plugin)
    const declared = meta ? outputPortsOf(meta, node.config).filter((p) => p !== ERROR_PORT) : []
    const wired = fromEdges.get(node.id) ?? new Set<string>()
    const all = new Set([...declared, ...[...wired].filter((p) => p !== ERROR_PORT)])
    if (wired.has(ERROR_PORT)) all.add(ERROR_PORT)
    for (const port of all) ports.push({ nodeId: node.id, port })
  }
  return ports
}

function figure(covered: number, total: number) {
  return { covered, total, percent: total === 0 ? 100 : Math.floor((covered / total) * 1000) / 10 }
}

export function coverageOf(flow: Flow, hits: CoverageHits, plugins: PluginLookup): FlowCoverage {
  const nodeIds = flow.nodes.map((n) => n.id)
  const ports = coverablePorts(flow, plugins)
  const branchNodes = new Set(
    flow.nodes.filter((n) => BRANCH_PLUGINS.has(n.plugin)).map((n) => n.id),
  )
  const branches = ports.filter((p) => branchNodes.has(p.nodeId) && p.port !== ERROR_PORT)
  const fired = (p: PortRef) => hits.ports.has(portKey(p.nodeId, p.port))
  const edgeIds = flow.edges.map((e) => e.id)
  const uncoveredNodes = nodeIds.filter((id) => !hits.nodes.has(id))
  const uncoveredPorts = ports.filter((p) => !fired(p))
  const uncoveredBranches = branches.filter((p) => !fired(p))
  const uncoveredEdges = edgeIds.filter((id) => !hits.edges.has(id))
  return {
    flowId: String(flow.id),
    flowName: String(flow.name ?? flow.id),
    runs: hits.runs,
    nodes: {
      ...figure(nodeIds.length - uncoveredNodes.length, nodeIds.length),
      uncovered: uncoveredNodes,
    },
    ports: {
      ...figure(ports.length - uncoveredPorts.length, ports.length),
      uncovered: uncoveredPorts,
    },
    branches: {
      ...figure(branches.length - uncoveredBranches.length, branches.length),
      uncovered: uncoveredBranches,
    },
    edges: {
      ...figure(edgeIds.length - uncoveredEdges.length, edgeIds.length),
      uncovered: uncoveredEdges,
    },
  }
}

/** The lowest of a flow's node, port and branch figures: what `--min-coverage` holds it to. */
export function lowestPercent(coverage: FlowCoverage): number {
  return Math.min(coverage.nodes.percent, coverage.ports.percent, coverage.branches.percent)
}
