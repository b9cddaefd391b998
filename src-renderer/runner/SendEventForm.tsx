/**
 * Node-RED's inject button for event flows: type an event (type, JSON properties, a profile id),
 * send it to the local runner as a tracker would, and see which flows it was routed to; the runs
 * show up in the deliveries list beside it.
 */
import { useState } from 'react'
import type { EventRouting } from '../../src-shared/api/runner-contract'
import { call } from '../api/client'

export function SendEventForm({ onSent }: { onSent: () => void }) {
  const [type, setType] = useState('purchase')
  const [properties, setProperties] = useState('{\n  "total": 120\n}')
  const [profileId, setProfileId] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [routing, setRouting] = useState<EventRouting['events'][number] | null>(null)

  const send = async () => {
    let parsed: unknown
    try {
      parsed = properties.trim() ? JSON.parse(properties) : {}
    } catch (e) {
      return setError(`Properties are not JSON: ${(e as Error).message}`)
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return setError('Properties must be a JSON object, like { "total": 120 }')
    setBusy(true)
    setError(null)
    try {
      const event = {
        type: type.trim(),
        properties: parsed as Record<string, unknown>,
        ...(profileId.trim() ? { profileId: profileId.trim() } : {}),
      }
      const answer = await call('runner.sendEvent', { event })
      setRouting(answer.events[0] ?? null)
      onSent()
    } catch (e) {
      setError((e as Error).message)
    }
    setBusy(false)
  }

  return (
    <form
      className="send-event"
      data-testid="send-event"
      onSubmit={(e) => {
        e.preventDefault()
        void send()
      }}
    >
      <h5>Send an event</h5>
      <div className="send-event-row">
        <label>
          Type
          <input
            value={type}
            onChange={(e) => setType(e.target.value)}
            data-testid="send-event-type"
            required
          />
        </label>
        <label>
          Profile id <span className="muted">(optional)</span>
          <input
            value={profileId}
            onChange={(e) => setProfileId(e.target.value)}
            placeholder="a new profile"
            data-testid="send-event-profile"
          />
        </label>
      </div>
      <label>
        Properties (JSON)
        <textarea
          className="mono"
          rows={3}
          value={properties}
          onChange={(e) => setProperties(e.target.value)}
          spellCheck={false}
          data-testid="send-event-properties"
        />
      </label>
      <button type="submit" className="small" disabled={busy} data-testid="send-event-submit">
        Send to the runner
      </button>
      {error && (
        <p className="error-text small" data-testid="send-event-error">
          {error}
        </p>
      )}
      {routing && (
        <p className="small" data-testid="send-event-result">
          {routing.flows.length > 0 ? (
            <>
              Routed to{' '}
              {routing.flows.map((f, i) => (
                <span key={f.flowId}>
                  {i > 0 && ', '}
                  <b data-testid={`send-event-routed-${f.flowId}`}>{f.flowId}</b>
                </span>
              ))}{' '}
              <span className="muted mono">event {routing.id.slice(0, 8)}</span>
            </>
          ) : (
            <span className="muted">{routing.note ?? 'No flow took it.'}</span>
          )}
        </p>
      )}
    </form>
  )
}
