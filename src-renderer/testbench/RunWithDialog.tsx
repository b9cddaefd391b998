import { useState } from 'react'
import type { TestCase } from '../../src-shared/flow/types'
import { parseJsonText } from '../../src-shared/json-text'
import { useEscape } from '../shell/useEscape'
import type { SampleRun } from './last-event'
import { RunProgress } from './RunProgress'

type Source = 'case' | 'json' | 'last'

export interface RunWith extends SampleRun {
  mocks?: TestCase['mocks']
  title: string
  /** "Run to here": run only this node and what it depends on, and show it in the trace. */
  stopAfter?: string
}

const pretty = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2))

/** A JSON object typed by the user, or the reason it is not one. */
function readObject(
  text: string,
  what: string,
): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: undefined }
  const parsed = parseJsonText(text)
  if (!parsed.ok)
    return {
      ok: false,
      message: `${what}: ${parsed.message} (line ${parsed.line}, column ${parsed.column})`,
    }
  if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
    return { ok: false, message: `${what} must be a JSON object` }
  return { ok: true, value: parsed.value as Record<string, unknown> }
}

/** "Run with…": the event of a test case, pasted JSON or the last event used, and an optional starting profile. */
export function RunWithDialog({
  cases,
  last,
  target,
  onRun,
  onClose,
}: {
  cases: TestCase[]
  last: SampleRun | null
  /** For "Run to here": the node the run stops after, as the user knows it. */
  target?: string | null
  onRun: (run: RunWith) => Promise<void>
  onClose: () => void
}) {
  const [source, setSource] = useState<Source>(last ? 'last' : cases.length ? 'case' : 'json')
  const [caseIndex, setCaseIndex] = useState(0)
  const [eventText, setEventText] = useState(() =>
    pretty(last?.event ?? cases[0]?.event ?? { type: 'page-view', properties: {} }),
  )
  const initialProfile =
    source === 'last' ? last?.profile : source === 'case' ? cases[0]?.profile : undefined
  const [profileText, setProfileText] = useState(() => pretty(initialProfile))
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  useEscape(onClose)

  const pick = (next: Source, index = caseIndex) => {
    setSource(next)
    setCaseIndex(index)
    setError(null)
    // The profile box follows the source, so a case runs with its own starting profile unless edited.
    if (next === 'case') setProfileText(pretty(cases[index]?.profile))
    if (next === 'last') setProfileText(pretty(last?.profile))
  }

  const submit = async () => {
    const profile = readObject(profileText, 'Starting profile')
    if (!profile.ok) return setError(profile.message)
    let run: RunWith
    if (source === 'case') {
      const chosen = cases[caseIndex]
      if (!chosen) return setError('Pick a test case')
      run = {
        event: chosen.event as Record<string, unknown>,
        profile: profile.value,
        mocks: chosen.mocks,
        title: `Run with “${chosen.name}”`,
      }
    } else if (source === 'last') {
      if (!last) return setError('This flow has not been run yet')
      run = { event: last.event, profile: profile.value, title: 'Run with the last event' }
    } else {
      const event = readObject(eventText, 'Event')
      if (!event.ok) return setError(event.message)
      run = { event: event.value ?? {}, profile: profile.value, title: 'Run with a pasted event' }
    }
    setBusy(true)
    await onRun(run)
    setBusy(false)
    onClose()
  }

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal wide run-with"
        role="dialog"
        aria-label="Run with"
        data-testid="run-with-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 data-testid="run-with-title">
          {target ? `Run to “${target}” with…` : 'Run the draft with…'}
        </h2>
        <div className="run-with-sources" role="radiogroup" aria-label="Event">
          <label>
            <input
              type="radio"
              name="run-with-source"
              checked={source === 'case'}
              disabled={cases.length === 0}
              onChange={() => pick('case')}
              data-testid="run-with-source-case"
            />
            A test case’s event
          </label>
          {source === 'case' && (
            <select
              value={caseIndex}
              onChange={(e) => pick('case', Number(e.target.value))}
              data-testid="run-with-case"
              aria-label="Test case"
            >
              {cases.map((c, i) => (
                <option key={i} value={i}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
          <label>
            <input
              type="radio"
              name="run-with-source"
              checked={source === 'json'}
              onChange={() => pick('json')}
              data-testid="run-with-source-json"
            />
            Pasted JSON
          </label>
          {source === 'json' && (
            <textarea
              className="mono"
              rows={8}
              spellCheck={false}
              value={eventText}
              onChange={(e) => setEventText(e.target.value)}
              aria-label="Event JSON"
              data-testid="run-with-event"
            />
          )}
          <label>
            <input
              type="radio"
              name="run-with-source"
              checked={source === 'last'}
              disabled={!last}
              onChange={() => pick('last')}
              data-testid="run-with-source-last"
            />
            The last event used{last ? '' : ' (none yet)'}
          </label>
          {source === 'last' && last && (
            <pre className="mono small run-with-last">{pretty(last.event)}</pre>
          )}
        </div>
        <label>
          Starting profile (optional JSON)
          <textarea
            className="mono"
            rows={4}
            spellCheck={false}
            value={profileText}
            placeholder='{"traits": {"tier": "gold"}}'
            onChange={(e) => setProfileText(e.target.value)}
            data-testid="run-with-profile"
          />
        </label>
        <RunProgress running={busy} />
        {error && (
          <p className="error-text" data-testid="run-with-error">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            className="primary"
            disabled={busy}
            onClick={() => void submit()}
            data-testid="run-with-confirm"
          >
            {target ? 'Run to here' : 'Run'}
          </button>
        </div>
      </div>
    </div>
  )
}
