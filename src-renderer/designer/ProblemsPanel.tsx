import type { Problem } from '../../src-shared/flow/types'

export function ProblemsPanel({
  problems,
  onReveal,
}: {
  problems: Problem[]
  onReveal: (problem: Problem) => void
}) {
  if (problems.length === 0)
    return (
      <p className="empty" data-testid="problems-empty">
        No problems.
      </p>
    )
  return (
    <ul className="problems-list">
      {problems.map((p, i) => (
        <li key={`${p.code}-${p.nodeId ?? ''}-${p.edgeId ?? ''}-${i}`}>
          <button
            className={`problem ${p.severity}`}
            onClick={() => onReveal(p)}
            data-testid={`problem-${p.code}-${p.nodeId ?? p.edgeId ?? i}`}
          >
            <span className={`sev ${p.severity}`}>{p.severity === 'error' ? '●' : '▲'}</span>
            <span className="problem-code mono">{p.code}</span>
            <span className="problem-where">
              {p.nodeId ? `node ${p.nodeId}` : p.edgeId ? `edge ${p.edgeId}` : 'flow'}
            </span>
            <span className="problem-message">{p.message}</span>
          </button>
        </li>
      ))}
    </ul>
  )
}
