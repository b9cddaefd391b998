/**
 * A `serve` elsewhere — a cluster's ingest API, another machine — seen from the Runner tab: each
 * flow's stats (accepted, succeeded, failed, pending) and its latest runs. The URL is remembered;
 * the token is kept only while the app is open.
 */
import { useState } from 'react'
import type { RemoteFlow } from '../../src-shared/api/runner-contract'
import { call } from '../api/client'

const URL_KEY = 'flowbench.remoteRunner.url'

function time(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString()
}

export function RemoteRunner() {
  const [url, setUrl] = useState(() => localStorage.getItem(URL_KEY) ?? '')
  const [token, setToken] = useState('')
  const [flows, setFlows] = useState<RemoteFlow[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const connect = async () => {
    setBusy(true)
    setError(null)
    try {
      setFlows(await call('runner.remote', { url: url.trim(), token: token || undefined }))
      localStorage.setItem(URL_KEY, url.trim())
    } catch (e) {
      setFlows(null)
      setError((e as Error).message)
    }
    setBusy(false)
  }

  return (
    <section className="remote-runner" data-testid="remote-runner">
      <h5>A runner elsewhere (a cluster&apos;s serve API)</h5>
      <form
        className="remote-runner-form"
        onSubmit={(e) => {
          e.preventDefault()
          void connect()
        }}
      >
        <input
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="http://ingest.example:8080"
          aria-label="Runner URL"
          data-testid="remote-url"
          required
        />
        <input
          type="password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="Bearer token"
          aria-label="Runner token"
          autoComplete="off"
          data-testid="remote-token"
        />
        <button type="submit" className="small" disabled={busy} data-testid="remote-connect">
          {flows ? 'Refresh' : 'Connect'}
        </button>
      </form>
      {error && (
        <p className="error-text small" data-testid="remote-error">
          {error}
        </p>
      )}
      {flows && flows.length === 0 && <p className="muted small">That runner serves no flows.</p>}
      {flows && flows.length > 0 && (
        <table className="preview remote-flows" data-testid="remote-flows">
          <thead>
            <tr>
              <th>Flow</th>
              <th>Accepted</th>
              <th>Succeeded</th>
              <th>Failed</th>
              <th>Pending</th>
              <th>Latest runs</th>
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr key={f.id} data-testid={`remote-flow-${f.id}`}>
                <td>
                  <b>{f.name}</b>{' '}
                  <span className="muted mono small">
                    {f.id} {f.revision === null ? '' : `r${f.revision}`}
                  </span>
                </td>
                <td data-testid={`remote-accepted-${f.id}`}>{f.stats.accepted}</td>
                <td className="pass-text">{f.stats.succeeded}</td>
                <td className={f.stats.failed ? 'error-text' : ''}>{f.stats.failed}</td>
                <td>{f.stats.pending}</td>
                <td>
                  <ul className="plain" data-testid={`remote-runs-${f.id}`}>
                    {f.runs.length === 0 && <li className="muted small">none yet</li>}
                    {f.runs.map((r) => (
                      <li key={r.runId} className="small">
                        <span className={r.status === 'succeeded' ? 'pass-text' : 'error-text'}>
                          {r.status}
                        </span>{' '}
                        {time(r.startedAt)}{' '}
                        <span className="muted">{Math.round(r.durationMs)} ms</span>{' '}
                        <span className="mono muted">{r.runId.slice(0, 8)}</span>
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
