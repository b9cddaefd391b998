/**
 * The canvas's Coverage toggle, and the offer that follows a click on an uncovered port: a new
 * test case that starts from a sample event, left for the user to complete.
 */
export interface CoverageBarProps {
  available: boolean
  on: boolean
  onToggle: () => void
  offer: { nodeId: string; port: string } | null
  onCreateCase: () => void
  onDismiss: () => void
}

export function CoverageBar({
  available,
  on,
  onToggle,
  offer,
  onCreateCase,
  onDismiss,
}: CoverageBarProps) {
  return (
    <div className="coverage-bar" data-testid="coverage-bar">
      <button
        className={on ? 'small active' : 'small'}
        aria-pressed={on}
        disabled={!available}
        title={
          available
            ? 'Show what the test cases never reach'
            : 'Run the test cases to see their coverage'
        }
        onClick={onToggle}
        data-testid="coverage-toggle"
      >
        Coverage
      </button>
      {on && offer && (
        <div
          className="coverage-offer"
          role="dialog"
          aria-label="Create a test case"
          data-testid="coverage-offer"
        >
          <span>
            No test case reaches <code>{`${offer.nodeId}.${offer.port}`}</code>.
          </span>
          <button
            className="primary small"
            onClick={onCreateCase}
            data-testid="coverage-create-case"
          >
            Create test case
          </button>
          <button className="ghost small" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  )
}
