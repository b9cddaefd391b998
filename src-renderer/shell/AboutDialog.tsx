import { useEffect, useState } from 'react'
import { useEscape } from './useEscape'
import type { AppInfo } from '../../src-shared/api/contract'
import { call } from '../api/client'

export function AboutDialog({ onClose }: { onClose: () => void }) {
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    call('app.info').then(setInfo, (e: Error) => setError(e.message))
  }, [])
  useEscape(onClose)
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-label="About Flowbench"
        data-testid="about"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>About Flowbench</h2>
        <p className="muted">
          Design event-processing flows, test them offline, ship them as bundles.
        </p>
        {error && (
          <p className="error-text" data-testid="about-error">
            {error}
          </p>
        )}
        {info ? (
          <dl className="facts">
            <dt>Version</dt>
            <dd data-testid="about-version">{info.version}</dd>
            <dt>Mode</dt>
            <dd>{info.mode === 'web' ? 'Browser' : 'Desktop'}</dd>
            <dt>Data directory</dt>
            <dd className="mono">{info.dataDir}</dd>
            <dt>Plugins</dt>
            <dd data-testid="about-plugins">{info.pluginCount}</dd>
            <dt>Platform</dt>
            <dd>{info.platform}</dd>
          </dl>
        ) : (
          !error && <p className="muted">Loading…</p>
        )}
        <div className="modal-actions">
          <button onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      </div>
    </div>
  )
}
