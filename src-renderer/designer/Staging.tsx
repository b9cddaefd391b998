import { useEffect, useState } from 'react'
import type { Revision } from '../../src-shared/api/contract'
import type { DeploySettings, DraftTestResult } from '../../src-shared/api/staging-contract'
import type { Problem } from '../../src-shared/flow/types'
import { api, call } from '../api/client'
import { useDesigner } from './DesignerContext'
import { RevisionView } from './RevisionView'
import type { FlowDiff } from './flow-diff'
import { isEmptyDiff } from './flow-diff'
import { useEscape } from '../shell/useEscape'
import type { SaveStatus } from './useAutosave'

function timeOf(iso: string): string {
  if (!iso) return ''
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}

export function SaveIndicator({ status }: { status: SaveStatus }) {
  const text =
    status.state === 'saved'
      ? 'Draft saved'
      : status.state === 'saving'
        ? 'Saving…'
        : status.state === 'unsaved'
          ? 'Unsaved changes'
          : status.stale
            ? 'Saved elsewhere — reload'
            : `Not saved: ${status.message}`
  return (
    <span
      className={`save-status ${status.state}`}
      data-testid="save-status"
      data-state={status.state}
      title={status.state === 'saved' ? timeOf(status.at) : text}
    >
      {text}
    </span>
  )
}

export function DiffSummary({ diff, hasProduction }: { diff: FlowDiff; hasProduction: boolean }) {
  if (!hasProduction)
    return (
      <span className="diff-summary muted" data-testid="diff-summary">
        Never deployed
      </span>
    )
  if (isEmptyDiff(diff))
    return (
      <span className="diff-summary muted" data-testid="diff-summary">
        Same as production
      </span>
    )
  const parts: string[] = []
  if (diff.added.length) parts.push(`${diff.added.length} added`)
  if (diff.removed.length) parts.push(`${diff.removed.length} removed`)
  if (diff.changed.length) parts.push(`${diff.changed.length} changed`)
  if (diff.edgesAdded + diff.edgesRemoved)
    parts.push(`${diff.edgesAdded + diff.edgesRemoved} connections`)
  if (diff.settingsChanged) parts.push('settings')
  const detail = [
    diff.added.length ? `Added: ${diff.added.join(', ')}` : '',
    diff.removed.length ? `Removed: ${diff.removed.join(', ')}` : '',
    diff.changed.length ? `Changed: ${diff.changed.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n')
  return (
    <span className="diff-summary changed" data-testid="diff-summary" title={detail}>
      Draft vs production: {parts.join(', ')}
    </span>
  )
}

/** The draft's test cases, run when the Deploy dialog opens, so nobody deploys blind. */
function useDraftTests(): {
  result: DraftTestResult | null
  error: string | null
  settings: DeploySettings | null
  setRefuse: (refuse: boolean) => void
} {
  const flowId = useDesigner((s) => s.flowId)
  const flow = useDesigner((s) => s.flow)
  const [result, setResult] = useState<DraftTestResult | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [settings, setSettings] = useState<DeploySettings | null>(null)
  // The flow as it was when the dialog opened: edits cannot happen behind a modal.
  const [opened] = useState(flow)
  useEffect(() => {
    let live = true
    void call('settings.deploy').then((s) => live && setSettings(s))
    if (flowId && opened)
      call('flows.testDraft', { id: flowId, flow: opened }).then(
        (r) => live && setResult(r),
        (e: Error) => live && setError(`The tests could not run: ${e.message}`),
      )
    return () => {
      live = false
    }
  }, [flowId, opened])
  const setRefuse = (refuse: boolean) => {
    // Shown at once; the saved value replaces it (and a failed save puts the old one back).
    const before = settings
    setSettings({ refuseFailingTests: refuse })
    call('settings.saveDeploy', { refuseFailingTests: refuse }).then(setSettings, (e: Error) => {
      setSettings(before)
      setError(`The setting was not saved: ${e.message}`)
    })
  }
  return { result, error, settings, setRefuse }
}

function DraftTests({ result, error, settings, setRefuse }: ReturnType<typeof useDraftTests>) {
  const blocked = !!settings?.refuseFailingTests && !!result && result.failed > 0
  return (
    <section className="deploy-tests" data-testid="deploy-tests">
      <h4>Test cases</h4>
      {error ? (
        <p className="error-text">{error}</p>
      ) : !result ? (
        <p className="muted" data-testid="deploy-tests-running">
          Running the draft&apos;s test cases…
        </p>
      ) : result.total === 0 ? (
        <p className="muted" data-testid="deploy-tests-summary">
          The draft has no test cases.
        </p>
      ) : (
        <>
          <p
            className={result.failed ? 'error-text' : 'pass-text'}
            data-testid="deploy-tests-summary"
            data-failed={result.failed}
          >
            {result.passed} passed, {result.failed} failed
          </p>
          {result.failing.length > 0 && (
            <ul className="problems-list compact" data-testid="deploy-failing">
              {result.failing.map((f) => (
                <li key={f.index} data-testid={`deploy-failing-${f.index}`}>
                  <strong>{f.name}</strong> <span className="muted">{f.reason}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <label className="switch">
        <input
          type="checkbox"
          checked={settings?.refuseFailingTests ?? false}
          disabled={!settings}
          onChange={(e) => setRefuse(e.target.checked)}
          data-testid="deploy-refuse-failing"
        />
        Refuse to deploy while tests fail
      </label>
      {blocked && (
        <p className="error-text" data-testid="deploy-tests-blocked">
          Deploy is blocked: {result.failed} test case{result.failed === 1 ? '' : 's'} fail
          {result.failed === 1 ? 's' : ''}. Fix {result.failed === 1 ? 'it' : 'them'} in the Tests
          tab, or turn off “Refuse to deploy while tests fail”.
        </p>
      )}
    </section>
  )
}

export function DeployDialog({
  problems,
  onDeploy,
  onClose,
}: {
  problems: Problem[]
  onDeploy: (note: string) => Promise<string | null>
  onClose: () => void
}) {
  const errors = problems.filter((p) => p.severity === 'error')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const tests = useDraftTests()
  // While the suite runs the button waits; if it could not run, main checks again on deploy.
  const testsBlock =
    !!tests.settings?.refuseFailingTests &&
    (tests.result ? tests.result.failed > 0 : tests.error === null)
  useEscape(onClose)
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-label="Deploy"
        data-testid="deploy-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Deploy to production</h2>
        {errors.length > 0 ? (
          <>
            <p className="error-text" data-testid="deploy-blocked">
              Deploy is blocked: the draft has {errors.length} error{errors.length === 1 ? '' : 's'}
              .
            </p>
            <ul className="problems-list compact">
              {errors.map((p, i) => (
                <li key={i}>
                  <span className="mono">{p.code}</span> {p.nodeId ? `(${p.nodeId}) ` : ''}
                  {p.message}
                </li>
              ))}
            </ul>
            <div className="modal-actions">
              <button onClick={onClose}>Close</button>
            </div>
          </>
        ) : (
          <form
            onSubmit={async (e) => {
              e.preventDefault()
              setBusy(true)
              const failure = await onDeploy(note.trim())
              setBusy(false)
              if (failure) setError(failure)
              else onClose()
            }}
          >
            <p className="muted">
              The draft becomes the production flow. The current production is kept in the history.
            </p>
            <DraftTests {...tests} />
            <label>
              Note (optional)
              <input
                autoFocus
                value={note}
                onChange={(e) => setNote(e.target.value)}
                placeholder="What changed?"
                data-testid="deploy-note"
              />
            </label>
            {error && (
              <p className="error-text" data-testid="deploy-error">
                {error}
              </p>
            )}
            <div className="modal-actions">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button
                type="submit"
                className="primary"
                disabled={busy || testsBlock}
                data-testid="deploy-confirm"
              >
                Deploy
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  )
}

export function HistoryDrawer({
  flowId,
  refreshKey,
  onRevert,
  onClose,
}: {
  flowId: string
  refreshKey: number
  onRevert: (revision: number) => Promise<void>
  onClose: () => void
}) {
  const [revisions, setRevisions] = useState<Revision[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<number | null>(null)
  const [viewing, setViewing] = useState<number | null>(null)
  // Escape closes the open revision first, then the drawer.
  useEscape(viewing === null ? onClose : () => setViewing(null))
  useEffect(() => {
    let live = true
    void api['flows.history']({ id: flowId }).then((result) => {
      if (!live) return
      if (result.ok) setRevisions(result.value)
      else setError(result.error.message)
    })
    return () => {
      live = false
    }
  }, [flowId, refreshKey])
  return (
    <aside className={`drawer${viewing === null ? '' : ' wide'}`} data-testid="history">
      <header>
        <h3>History</h3>
        <button className="ghost small" onClick={onClose} aria-label="Close history">
          ✕
        </button>
      </header>
      {error && <p className="error-text">{error}</p>}
      {viewing !== null && (
        <RevisionView
          flowId={flowId}
          revision={viewing}
          onRevert={onRevert}
          onClose={() => setViewing(null)}
        />
      )}
      {revisions && revisions.length === 0 && (
        <p className="empty">Nothing deployed yet. Deploy keeps every production revision here.</p>
      )}
      <ul className="revisions">
        {revisions?.map((r) => (
          <li key={r.revision} data-testid={`revision-${r.revision}`}>
            <div>
              <strong>r{r.revision}</strong>{' '}
              {r.isProduction && <span className="pill live">production</span>}
              <div className="muted small">{timeOf(r.createdAt)}</div>
              {r.note && <div className="small">{r.note}</div>}
            </div>
            {confirming === r.revision ? (
              <span className="confirm">
                Replace the draft with r{r.revision}?
                <button
                  className="primary small"
                  data-testid={`revert-confirm-${r.revision}`}
                  onClick={async () => {
                    await onRevert(r.revision)
                    setConfirming(null)
                  }}
                >
                  Revert
                </button>
                <button className="small" onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </span>
            ) : (
              <span className="revision-actions">
                <button
                  className="small"
                  onClick={() => setViewing(r.revision)}
                  aria-pressed={viewing === r.revision}
                  data-testid={`view-${r.revision}`}
                  title={`Show r${r.revision} and what the draft changed since`}
                >
                  View
                </button>
                <button
                  className="small"
                  onClick={() => setConfirming(r.revision)}
                  data-testid={`revert-${r.revision}`}
                >
                  Revert…
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </aside>
  )
}
