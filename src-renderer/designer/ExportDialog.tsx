/**
 * Export says what it ships: production revision N (what serve would run) or the draft, and the
 * file name carries the same (`orders-r3.flowbundle`, `orders-draft.flowbundle`).
 */
import { useEffect, useState } from 'react'
import type { FlowDetails } from '../../src-shared/api/contract'
import { call } from '../api/client'
import { useEscape } from '../shell/useEscape'

export type ExportSource = 'production' | 'draft'

export function ExportDialog({
  flowId,
  onExport,
  onClose,
}: {
  flowId: string
  onExport: (source: ExportSource) => Promise<void>
  onClose: () => void
}) {
  const [details, setDetails] = useState<FlowDetails | null>(null)
  const [source, setSource] = useState<ExportSource>('production')
  const [busy, setBusy] = useState(false)
  useEscape(onClose)
  useEffect(() => {
    let live = true
    void call('flows.get', { id: flowId }).then((d) => {
      if (!live) return
      setDetails(d)
      if (!d.production) setSource('draft')
    })
    return () => {
      live = false
    }
  }, [flowId])
  const production = details?.production ?? null
  const fileName = `${flowId}-${source === 'draft' || !production ? 'draft' : `r${production.revision}`}.flowbundle`
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-label="Export"
        data-testid="export-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Export a bundle</h2>
        {!details ? (
          <p className="muted">Loading…</p>
        ) : (
          <form
            onSubmit={async (e) => {
              e.preventDefault()
              setBusy(true)
              await onExport(source)
              setBusy(false)
              onClose()
            }}
          >
            <p className="muted">
              A .flowbundle holds the flow, its test cases and the plugins it needs;{' '}
              <span className="mono">flowbench serve</span> runs it.
            </p>
            <fieldset className="export-sources">
              <label className="switch">
                <input
                  type="radio"
                  name="export-source"
                  checked={source === 'production'}
                  disabled={!production}
                  onChange={() => setSource('production')}
                  data-testid="export-source-production"
                />
                {production ? (
                  <span>
                    Production, revision <b>r{production.revision}</b>{' '}
                    <span className="muted small">
                      deployed {new Date(production.deployedAt).toLocaleString()}
                    </span>
                  </span>
                ) : (
                  <span className="muted">Production: never deployed</span>
                )}
              </label>
              <label className="switch">
                <input
                  type="radio"
                  name="export-source"
                  checked={source === 'draft'}
                  onChange={() => setSource('draft')}
                  data-testid="export-source-draft"
                />
                <span>
                  The draft <span className="muted small">(as last saved, not deployed)</span>
                </span>
              </label>
            </fieldset>
            <p>
              Writes{' '}
              <span className="mono" data-testid="export-file-name">
                {fileName}
              </span>
            </p>
            <div className="modal-actions">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button
                type="submit"
                className="primary"
                disabled={busy}
                data-testid="export-confirm"
              >
                Export {source === 'draft' || !production ? 'the draft' : `r${production.revision}`}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  )
}
