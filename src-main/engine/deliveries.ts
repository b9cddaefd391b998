/**
 * Deliveries and joins: what each edge carried in a run, in the order it was sent, and
 * what a node receives from them — one payload per delivery (`join: "each"`) or one
 * `{ <sourceNodeId>: payload, … }` once every inbound branch has settled (`join: "all"`).
 */
import type { EdgeStatus } from '../../src-shared/engine/report'
import type { RunResult } from '../../src-shared/plugin-sdk'
import { ERROR_PORT } from '../../src-shared/plugin-sdk'
import { NodeFailure } from './errors'
import type { PlanNode, RunPlan } from './plan'

export interface Delivery {
  seq: number
  value: unknown
}

export interface Invocation {
  port: string | null
  edgeId: string | null
  value: unknown
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function checkResult(item: unknown, node: PlanNode): void {
  if (!isPlainObject(item) || typeof item.port !== 'string') {
    throw new NodeFailure(
      'invalid-result',
      `Plugin ${node.pluginId} returned something that is not { port, value }`,
    )
  }
  // The node's first port (what most plugins send on) needs no lookup.
  if (
    item.port !== node.mainPort &&
    (item.port === ERROR_PORT || !node.outputPorts.has(item.port))
  ) {
    throw new NodeFailure(
      'unknown-port',
      `Plugin ${node.pluginId} sent a value on port "${item.port}", which node "${node.id}" does not have`,
    )
  }
}

/** Checks what a plugin returned: nothing, one `{ port, value }` or a list of them. */
export function checkResults(result: RunResult, node: PlanNode): RunResult {
  if (result === undefined || result === null) return result
  if (Array.isArray(result)) for (const item of result) checkResult(item, node)
  else checkResult(result, node)
  return result
}

export class Deliveries {
  /**
   * Per edge: how many deliveries it carried, the first one's value and sequence number in
   * flat arrays (the common case allocates nothing), and any further ones in a list.
   */
  private readonly counts: number[]
  private readonly firstValues: unknown[]
  private readonly firstSeqs: number[]
  private readonly more: (Delivery[] | undefined)[]
  private seq = 0

  constructor(private readonly plan: RunPlan) {
    const n = plan.edges.length
    this.counts = new Array<number>(n).fill(0)
    this.firstValues = new Array<unknown>(n)
    this.firstSeqs = new Array<number>(n).fill(0)
    this.more = new Array<Delivery[] | undefined>(n)
  }

  /** Sends a value on a port of a node: one delivery on every edge leaving the port. */
  send(edges: readonly number[], value: unknown): void {
    const seq = ++this.seq
    for (let i = 0; i < edges.length; i++) {
      const index = edges[i]!
      const count = this.counts[index]!
      if (count === 0) {
        this.firstValues[index] = value
        this.firstSeqs[index] = seq
      } else {
        const list = this.more[index]
        if (list) list.push({ seq, value })
        else this.more[index] = [{ seq, value }]
      }
      this.counts[index] = count + 1
    }
  }

  /** Forgets every delivery, for the next run. */
  reset(): void {
    const counts = this.counts
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue
      counts[i] = 0
      this.firstValues[i] = undefined
      this.more[i] = undefined
    }
    this.seq = 0
  }

  /** How many deliveries an edge carried. */
  count(edgeIndex: number): number {
    return this.counts[edgeIndex]!
  }

  /** The first value an edge carried: the chain step reads its one payload without a copy. */
  first(edgeIndex: number): unknown {
    return this.firstValues[edgeIndex]
  }

  private listOf(edgeIndex: number): Delivery[] {
    const count = this.counts[edgeIndex]!
    if (count === 0) return []
    const list: Delivery[] = [
      { seq: this.firstSeqs[edgeIndex]!, value: this.firstValues[edgeIndex] },
    ]
    if (count > 1) list.push(...this.more[edgeIndex]!)
    return list
  }

  /** Every invocation a node gets from what its inbound edges carried, in the order it was sent. */
  invocationsFor(node: PlanNode): Invocation[] {
    const arrived: (Delivery & { edgeId: string; port: string; source: string })[] = []
    let edgesWithDeliveries = 0
    for (const edge of node.inEdges) {
      const delivered = this.listOf(edge.index)
      if (delivered.length === 0) continue
      edgesWithDeliveries++
      for (const d of delivered)
        arrived.push({
          seq: d.seq,
          value: d.value,
          edgeId: edge.id,
          port: edge.targetPort,
          source: edge.source,
        })
    }
    if (arrived.length === 0) return []
    if (edgesWithDeliveries > 1) arrived.sort((a, b) => a.seq - b.seq)
    if (node.join === 'all') {
      const joined: Record<string, unknown> = {}
      const counts = new Map<string, number>()
      for (const a of arrived) counts.set(a.source, (counts.get(a.source) ?? 0) + 1)
      for (const a of arrived) {
        if (counts.get(a.source)! > 1)
          (
            (joined[a.source] as unknown[] | undefined) ??
            ((joined[a.source] = [] as unknown[]) as unknown[])
          ).push(a.value)
        else joined[a.source] = a.value
      }
      return [{ port: node.joinPort, edgeId: null, value: joined }]
    }
    return arrived.map((a) => ({ port: a.port, edgeId: a.edgeId, value: a.value }))
  }

  /**
   * Active when something crossed the edge; inactive when its source settled without sending
   * on it. Nodes settle in the plan's order: those placed before `settledUpTo` have.
   */
  edgeStatuses(settledUpTo: number): Readonly<Record<string, EdgeStatus>> {
    const list = this.plan.edges
    const counts = this.counts
    let first = 0
    while (first < list.length && counts[list[first]!.index]! > 0) first++
    // Something crossed every edge (most runs of a chain): the plan's frozen record says so.
    if (first === list.length) return this.plan.allActive
    // A copy of the plan's all-active record has every key in place: only the other edges are set.
    const edges = this.plan.statusCopier.copy(this.plan.allActive) as Record<string, EdgeStatus>
    const positions = this.plan.positions
    for (let i = first; i < list.length; i++) {
      const edge = list[i]!
      if (this.counts[edge.index]! === 0)
        edges[edge.id] = positions[edge.sourceIndex]! < settledUpTo ? 'inactive' : 'unreached'
    }
    return edges
  }
}
