import type { RecentFile } from '../../src-shared/api/contract'
import { SAMPLES } from './samples'

/** What the canvas shows with no flow open: the examples, the recent files, and how to start. */
export function EmptyState({
  hasFlows,
  recent,
  onOpenSample,
  onOpenRecent,
}: {
  hasFlows: boolean
  recent: RecentFile[]
  onOpenSample: (id: string) => void
  onOpenRecent: (path: string) => void
}) {
  return (
    <div className="canvas-empty">
      <div className="empty-card" data-testid="empty-state">
        <h2>
          {hasFlows
            ? 'Open a flow from the list, or start from an example'
            : 'Start from an example'}
        </h2>
        <p className="muted">
          Each example is a complete flow with test cases: open one, run its tests, change it.
        </p>
        <ul className="example-list">
          {SAMPLES.map((sample) => (
            <li key={sample.id}>
              <button
                onClick={() => onOpenSample(sample.id)}
                data-testid={`empty-example-${sample.id}`}
              >
                <strong>{sample.name}</strong>
                <span className="muted small">{sample.description}</span>
              </button>
            </li>
          ))}
        </ul>
        {recent.length > 0 && (
          <>
            <h3>Recent files</h3>
            <ul className="recent-files" data-testid="recent-files">
              {recent.map((file) => (
                <li key={file.path}>
                  <button
                    className="ghost small"
                    title={file.path}
                    onClick={() => onOpenRecent(file.path)}
                  >
                    {file.name}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <p className="muted small">
          Or create an empty flow with “+ New”, or open a .flow.json file with “Open…”.
        </p>
      </div>
    </div>
  )
}
