import { useState } from 'react'
import type { BundlePlan } from '../../src-shared/api/contract'
import { useEscape } from '../shell/useEscape'

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`
}

/**
 * Shows what a bundle holds before anything of it is written. Its plugin code runs with the
 * user's rights once installed, so each plugin is listed with its version, size and sha256, and
 * importing says in words that the user trusts that code.
 */
export function ImportBundleDialog({
  fileName,
  plan,
  onCancel,
  onConfirm,
}: {
  fileName: string
  plan: BundlePlan
  onCancel: () => void
  onConfirm: (trustPlugins: boolean) => Promise<void>
}) {
  const [busy, setBusy] = useState(false)
  useEscape(onCancel)
  const code = plan.plugins.filter((p) => p.action !== 'keep')
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div
        className="modal wide"
        role="dialog"
        aria-label="Import bundle"
        data-testid="bundle-import-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Import {fileName}</h2>
        <p className="muted">
          Made {new Date(plan.createdAt).toLocaleString()} by Flowbench {plan.appVersion}
          {plan.signedBy ? `, signed by key ${plan.signedBy.slice(0, 16)}…` : ', not signed'}. Its
          flows are deployed as production.
        </p>
        <ul data-testid="bundle-import-flows">
          {plan.flows.map((f) => (
            <li key={f.id}>
              {f.name} <span className="mono">({f.id})</span>
            </li>
          ))}
        </ul>
        {plan.plugins.length > 0 && (
          <table className="unmet" data-testid="bundle-import-plugins">
            <thead>
              <tr>
                <th>Plugin</th>
                <th>Version</th>
                <th>Size</th>
                <th>sha256</th>
                <th>Here</th>
              </tr>
            </thead>
            <tbody>
              {plan.plugins.map((p) => (
                <tr key={p.id}>
                  <td className="mono">{p.id}</td>
                  <td>{p.version}</td>
                  <td>{size(p.size)}</td>
                  <td className="mono">{p.sha256}</td>
                  <td>
                    {p.action === 'keep'
                      ? 'installed (kept)'
                      : p.action === 'replace'
                        ? `replaces ${p.installedVersion}`
                        : 'new'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {code.length > 0 && (
          <p className="error-text" data-testid="bundle-import-warning">
            This bundle carries plugin code ({code.map((p) => p.id).join(', ')}). Once installed it
            runs with your rights on this computer. Import only if you trust where the bundle came
            from.
          </p>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onCancel} data-testid="bundle-import-cancel">
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy}
            data-testid="bundle-import-confirm"
            onClick={async () => {
              setBusy(true)
              await onConfirm(plan.needsTrust)
              setBusy(false)
            }}
          >
            {code.length > 0 ? 'Trust the plugins and import' : 'Import'}
          </button>
        </div>
      </div>
    </div>
  )
}
