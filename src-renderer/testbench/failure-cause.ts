/**
 * Where a failing test case went wrong, for the trace to open on: the first node (in run order)
 * where the run left the path the case expects, or the node that failed. A node the case expects
 * to reach but the run never reached points at the last node that ran before it (usually the
 * condition that sent the run elsewhere); a node the case expects not to reach points at itself.
 */
import type { CaseSummary } from '../../src-shared/api/contract'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { FlowEdge } from '../../src-shared/flow/types'

export interface FailureCause {
  nodeId: string
  /** In the user's words, for the failure panel. */
  why: string
}

/** The first run order of each node that ran (not skipped). */
function firstRuns(report: ExecutionReport): Map<string, number> {
  const order = new Map<string, number>()
  for (const record of report.nodes) {
    if (record.status === 'skipped') continue
    const seen = order.get(record.nodeId)
    if (seen === undefined || record.sequence < seen) order.set(record.nodeId, record.sequence)
  }
  return order
}

/** The node that ran last of those the given node depends on, if any ran. */
function lastRanBefore(
  nodeId: string,
  edges: readonly Pick<FlowEdge, 'source' | 'target'>[],
  report: ExecutionReport,
): { nodeId: string; sequence: number } | null {
  const lastRun = new Map<string, number>()
  for (const record of report.nodes)
    if (record.status !== 'skipped')
      lastRun.set(record.nodeId, Math.max(record.sequence, lastRun.get(record.nodeId) ?? 0))
  const seen = new Set([nodeId])
  const queue = [nodeId]
  let best: { nodeId: string; sequence: number } | null = null
  for (let i = 0; i < queue.length; i++) {
    for (const edge of edges) {
      if (edge.target !== queue[i] || seen.has(edge.source)) continue
      seen.add(edge.source)
      queue.push(edge.source)
      const sequence = lastRun.get(edge.source)
      if (sequence !== undefined && (!best || sequence > best.sequence))
        best = { nodeId: edge.source, sequence }
    }
  }
  return best
}

export function failureCause(
  unmet: CaseSummary['unmet'],
  report: ExecutionReport,
  edges: readonly Pick<FlowEdge, 'source' | 'target'>[],
): FailureCause | null {
  const ran = firstRuns(report)
  const candidates: (FailureCause & { sequence: number })[] = []
  for (const record of report.nodes) {
    if (record.status === 'error')
      candidates.push({
        nodeId: record.nodeId,
        sequence: record.sequence,
        why: `“${record.nodeId}” failed: ${record.error?.message ?? 'an error'}`,
      })
  }
  for (const u of unmet) {
    const nodeId = u.kind === 'output' ? u.target.slice(0, u.target.lastIndexOf('.')) : u.target
    if (u.kind === 'notReached' && ran.has(nodeId)) {
      candidates.push({
        nodeId,
        sequence: ran.get(nodeId)!,
        why: `“${nodeId}” ran, but the case expects it not to`,
      })
    } else if ((u.kind === 'reached' || u.kind === 'output') && !ran.has(nodeId)) {
      const before = lastRanBefore(nodeId, edges, report)
      if (before)
        candidates.push({
          nodeId: before.nodeId,
          sequence: before.sequence,
          why: `The run left the expected path after “${before.nodeId}”: “${nodeId}” was never reached`,
        })
    } else if (u.kind === 'output' && ran.has(nodeId)) {
      candidates.push({ nodeId, sequence: ran.get(nodeId)!, why: u.message })
    }
  }
  candidates.sort((a, b) => a.sequence - b.sequence)
  const first = candidates[0]
  return first ? { nodeId: first.nodeId, why: first.why } : null
}
