import { useState } from 'react'
import { useEscape } from '../shell/useEscape'

/** Opening a flow whose id is already taken: replace that flow's draft, or keep both. */
export function FlowConflictDialog({
  source,
  existingName,
  id,
  onReplace,
  onKeepBoth,
  onCancel,
}: {
  source: string
  existingName: string
  id: string
  onReplace: () => Promise<void>
  onKeepBoth: () => Promise<void>
  onCancel: () => void
}) {
  const [busy, setBusy] = useState(false)
  useEscape(onCancel)
  const run = (work: () => Promise<void>) => async () => {
    setBusy(true)
    try {
      await work()
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div
        className="modal"
        role="dialog"
        aria-label="Flow already exists"
        data-testid="flow-conflict"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>“{existingName}” is already here</h2>
        <p className="muted">
          {source} holds the flow <span className="mono">{id}</span>, which you already have.
          Replace its draft with the one being opened (production and history stay as they are), or
          keep both: the opened one becomes a copy with its own id and name.
        </p>
        <div className="modal-actions">
          <button onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button onClick={run(onKeepBoth)} disabled={busy} data-testid="conflict-keep-both">
            Keep both
          </button>
          <button
            className="primary"
            onClick={run(onReplace)}
            disabled={busy}
            data-testid="conflict-replace"
            autoFocus
          >
            Replace draft
          </button>
        </div>
      </div>
    </div>
  )
}
