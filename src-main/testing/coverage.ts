/**
 * Collects flow coverage while test suites run: every case's report, and the reports of the
 * subflows it starts (the engine's `onSubflowReport`), each counted toward its own flow. One
 * recorder spans a whole `flowbench test` call, so a subflow reached from another flow's cases
 * and tested on its own adds both up.
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import type { PluginLookup } from '../../src-shared/plugin-sdk'
import type { CoverageHits, FlowCoverage } from '../../src-shared/testing/coverage'
import { addReport, coverageOf, emptyHits } from '../../src-shared/testing/coverage'

type FlowResolver = (flowId: string) => Flow | undefined | Promise<Flow | undefined>

export class CoverageRecorder {
  private readonly hits = new Map<string, CoverageHits>()
  /** Flows in the order they were first met: tested flows, then the subflows they reached. */
  private readonly flows = new Map<string, Flow>()

  constructor(private readonly plugins: PluginLookup) {}

  /** A flow whose coverage is reported even if no run reached it (a flow with no cases is 0%). */
  addFlow(flow: Flow): void {
    const id = String(flow.id)
    if (!this.flows.has(id)) this.flows.set(id, flow)
  }

  record(report: ExecutionReport): void {
    let hits = this.hits.get(report.flowId)
    if (!hits) this.hits.set(report.flowId, (hits = emptyHits()))
    addReport(hits, report)
  }

  /** Wraps a subflow resolver so the subflows runs reach are known by their documents. */
  resolving(resolve: FlowResolver | undefined): FlowResolver | undefined {
    if (!resolve) return undefined
    return async (flowId) => {
      const flow = await resolve(flowId)
      if (flow && !this.flows.has(flowId)) this.flows.set(flowId, flow)
      return flow
    }
  }

  coverage(flowId: string): FlowCoverage | undefined {
    const flow = this.flows.get(flowId)
    return flow ? coverageOf(flow, this.hits.get(flowId) ?? emptyHits(), this.plugins) : undefined
  }

  /** Every known flow's coverage; subflows only when a run actually reached them. */
  all(): FlowCoverage[] {
    return [...this.flows.keys()].map((id) => this.coverage(id)!)
  }
}
