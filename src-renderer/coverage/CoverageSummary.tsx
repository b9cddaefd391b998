import type { FlowCoverage } from '../../src-shared/testing/coverage'

/** The Tests tab's coverage figures for the last finished run of the cases. */
export function CoverageSummary({ coverage }: { coverage: FlowCoverage }) {
  const missing = [
    ...coverage.nodes.uncovered.map((id) => `node ${id}`),
    ...coverage.ports.uncovered.map((p) => `port ${p.nodeId}.${p.port}`),
  ]
  const title = missing.length
    ? `Never reached: ${missing.join(', ')}`
    : 'Every node, port and branch was reached'
  return (
    <span className="coverage-summary small" title={title} data-testid="coverage-summary">
      Coverage: nodes <b data-testid="coverage-nodes">{coverage.nodes.percent}%</b> · ports{' '}
      <b data-testid="coverage-ports">{coverage.ports.percent}%</b> · branches{' '}
      <b data-testid="coverage-branches">{coverage.branches.percent}%</b>
    </span>
  )
}
