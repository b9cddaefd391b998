import { useCallback, useState } from 'react'
import type { RunnerStatus } from '../../src-shared/api/contract'
import type { ExecutionReport } from '../../src-shared/engine/report'
import { useDesigner } from '../designer/DesignerContext'
import { RemoteRunner } from './RemoteRunner'
import { SendEventForm } from './SendEventForm'
import { call, events } from '../api/client'
import { useApiEvent, useOnEventsConnected } from '../api/useApiEvents'
import { withDelivery } from './deliveries'

function time(iso: string | null): string {
  return iso ? new Date(iso).toLocaleTimeString() : '—'
}

/** The local runner: serve the deployed flows on 127.0.0.1 while the app is open. */
export function RunnerPanel({
  onMessage,
  onShowRun,
}: {
  onMessage: (text: string, kind?: 'info' | 'error') => void
  /** Opens a delivery's run in the trace (runs of the flow on the canvas only: it is painted there). */
  onShowRun?: (report: ExecutionReport, title: string) => void
}) {
  const openFlowId = useDesigner((s) => s.flowId)
  const [status, setStatus] = useState<RunnerStatus | null>(null)
  const [busy, setBusy] = useState(false)
  const refresh = useCallback(
    () => call('runner.status').then(setStatus, (e: Error) => onMessage(e.message, 'error')),
    [onMessage],
  )

  // Main tells what changes (runnerStatus, runnerDelivery); the status is fetched once when
  // events start flowing and after a reconnect, so nothing said meanwhile is missed.
  useOnEventsConnected(() => void refresh())
  useApiEvent(events.onRunnerStatus, setStatus)
  useApiEvent(events.onRunnerDelivery, (delivery) =>
    setStatus(
      (status) => status && { ...status, deliveries: withDelivery(status.deliveries, delivery) },
    ),
  )

  const toggle = async () => {
    setBusy(true)
    try {
      setStatus(await call(status?.running ? 'runner.stop' : 'runner.start'))
    } catch (error) {
      onMessage((error as Error).message, 'error')
    }
    setBusy(false)
  }

  if (!status) return <p className="muted">Loading…</p>
  return (
    <div className="runner" data-testid="runner">
      <div className="bench-toolbar">
        <label className="switch">
          <input
            type="checkbox"
            checked={status.running}
            disabled={busy}
            onChange={() => void toggle()}
            data-testid="runner-switch"
          />
          Serve deployed flows while the app is open
        </label>
        {status.url && (
          <span className="mono" data-testid="runner-url">
            {status.url}
          </span>
        )}
      </div>
      {status.running && (
        <div className="runner-grid">
          <div>
            <h5>Webhooks</h5>
            {status.hooks.length === 0 && (
              <p className="muted small">No deployed flow starts with a webhook.</p>
            )}
            <ul className="plain">
              {status.hooks.map((h) => (
                <li key={h.url}>
                  <span className="mono small" data-testid={`hook-${h.flowId}`}>
                    POST {h.url}
                  </span>{' '}
                  <button
                    className="ghost small"
                    onClick={() =>
                      void navigator.clipboard
                        ?.writeText(h.url)
                        .then(() => onMessage('Copied the webhook URL'))
                    }
                  >
                    Copy
                  </button>
                </li>
              ))}
            </ul>
            <h5>Schedules</h5>
            {status.schedules.length === 0 && (
              <p className="muted small">No deployed flow runs on a schedule.</p>
            )}
            <ul className="plain">
              {status.schedules.map((s) => (
                <li key={s.flowId} className="small">
                  {s.flowId}: {s.description}, next at {time(s.next)}
                </li>
              ))}
            </ul>
            <SendEventForm onSent={() => void refresh()} />
          </div>
          <div>
            <h5>Recent deliveries</h5>
            <table className="preview" data-testid="deliveries">
              <tbody>
                {status.deliveries.map((d) => (
                  <tr key={d.seq} data-testid={`delivery-${d.seq}`}>
                    <td>{time(d.receivedAt)}</td>
                    <td>{d.flowId}</td>
                    <td>{d.source}</td>
                    <td
                      className={
                        d.status === 'done'
                          ? 'pass-text'
                          : d.status === 'pending'
                            ? 'muted'
                            : 'error-text'
                      }
                    >
                      {d.status}
                    </td>
                    <td className="mono muted" title={d.runId ?? undefined}>
                      {d.runId && onShowRun && d.flowId === openFlowId ? (
                        <button
                          className="ghost small mono"
                          data-testid={`delivery-run-${d.seq}`}
                          onClick={() =>
                            call('runs.get', { runId: d.runId! }).then(
                              (report) =>
                                onShowRun(report, `Runner: ${d.source} at ${time(d.receivedAt)}`),
                              (e: Error) => onMessage(e.message, 'error'),
                            )
                          }
                        >
                          run {d.runId.slice(0, 8)}
                        </button>
                      ) : d.runId ? (
                        `run ${d.runId.slice(0, 8)}`
                      ) : (
                        ''
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      <RemoteRunner />
    </div>
  )
}
