import { useEffect, useState } from 'react'
import type { RunSummary } from '../../src-shared/api/contract'
import type { ExecutionReport } from '../../src-shared/engine/report'
import { call } from '../api/client'

interface Bucket {
  label: string
  succeeded: number
  failed: number
}

/** Runs per time bucket (hour, or day over longer spans), for the success-rate chart. */
export function bucketRuns(runs: RunSummary[]): Bucket[] {
  if (runs.length === 0) return []
  const times = runs.map((r) => Date.parse(r.startedAt)).filter((t) => !Number.isNaN(t))
  const span = Math.max(...times) - Math.min(...times)
  const size = span > 3 * 24 * 3600_000 ? 24 * 3600_000 : span > 3 * 3600_000 ? 3600_000 : 60_000
  const buckets = new Map<number, Bucket>()
  for (const run of runs) {
    const key = Math.floor(Date.parse(run.startedAt) / size) * size
    const date = new Date(key)
    const label =
      size >= 24 * 3600_000
        ? date.toLocaleDateString()
        : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    const bucket = buckets.get(key) ?? { label, succeeded: 0, failed: 0 }
    if (run.status === 'succeeded') bucket.succeeded++
    else bucket.failed++
    buckets.set(key, bucket)
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, b]) => b)
    .slice(-24)
}

export function RunHistory({
  flowId,
  refreshKey,
  onShowRun,
}: {
  flowId: string
  refreshKey: number
  onShowRun: (report: ExecutionReport, title: string) => void
}) {
  const [runs, setRuns] = useState<RunSummary[]>([])
  const [total, setTotal] = useState(0)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    call('runs.list', { flowId, limit: 200 }).then(
      (page) => {
        setRuns(page.runs)
        setTotal(page.total)
      },
      (e: Error) => setError(e.message),
    )
  }, [flowId, refreshKey])
  const buckets = bucketRuns(runs)
  const max = Math.max(1, ...buckets.map((b) => b.succeeded + b.failed))
  const ok = runs.filter((r) => r.status === 'succeeded').length
  if (error) return <p className="error-text">{error}</p>
  if (runs.length === 0)
    return <p className="empty">No runs of this flow yet. Use Run, or serve it.</p>
  return (
    <div className="run-history" data-testid="run-history">
      <div className="run-chart">
        <div className="muted small" data-testid="success-rate">
          {Math.round((ok / runs.length) * 100)}% of the last {runs.length} runs succeeded ({total}{' '}
          kept)
        </div>
        <svg
          viewBox={`0 0 ${buckets.length * 14} 60`}
          preserveAspectRatio="none"
          className="chart"
          role="img"
          aria-label="Runs over time: succeeded and failed"
        >
          {buckets.map((b, i) => {
            const okH = (b.succeeded / max) * 56
            const badH = (b.failed / max) * 56
            return (
              <g key={i}>
                <title>{`${b.label}: ${b.succeeded} succeeded, ${b.failed} failed`}</title>
                <rect x={i * 14 + 2} y={60 - okH} width={10} height={okH} className="ok" />
                <rect x={i * 14 + 2} y={60 - okH - badH} width={10} height={badH} className="bad" />
              </g>
            )
          })}
        </svg>
      </div>
      <ul className="runs">
        {runs.slice(0, 50).map((run) => (
          <li key={run.runId}>
            <button
              className="run-open"
              onClick={async () =>
                onShowRun(
                  await call('runs.get', { runId: run.runId }),
                  `Run ${new Date(run.startedAt).toLocaleString()}`,
                )
              }
            >
              <span className={`dot ${run.status === 'succeeded' ? 'pass' : 'fail'}`} />
              <span>{new Date(run.startedAt).toLocaleString()}</span>
              <span className="muted small">
                {run.flowVersion ? `r${run.flowVersion}` : 'draft'}
              </span>
              <span className="muted small">{run.durationMs.toFixed(1)} ms</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}
