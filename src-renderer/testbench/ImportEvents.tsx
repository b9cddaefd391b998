import { useRef, useState } from 'react'
import type { ParsedSamples } from '../../src-shared/events/parse-samples'
import { formatOfFile, parseSamples } from '../../src-shared/events/parse-samples'

/** Picks a JSON, NDJSON or CSV file, previews its first events and lists malformed rows. */
export function ImportEvents({
  onImport,
  onCancel,
}: {
  onImport: (events: Record<string, unknown>[]) => void
  onCancel: () => void
}) {
  const input = useRef<HTMLInputElement>(null)
  const [parsed, setParsed] = useState<(ParsedSamples & { file: string }) | null>(null)
  const [error, setError] = useState<string | null>(null)
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div
        className="modal wide"
        role="dialog"
        aria-label="Import sample events"
        data-testid="import-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Import sample events</h2>
        <p className="muted">
          JSON (a list of events), NDJSON (one per line) or CSV. CSV columns <code>id</code>,{' '}
          <code>type</code>, <code>source</code>, <code>time</code>, <code>profileId</code> and{' '}
          <code>sessionId</code> become event fields, <code>context.x</code> goes to the context,
          every other column to <code>properties</code>.
        </p>
        <input
          ref={input}
          type="file"
          accept=".json,.ndjson,.jsonl,.csv"
          data-testid="import-file"
          onChange={async (e) => {
            const file = e.target.files?.[0]
            if (!file) return
            const format = formatOfFile(file.name)
            if (!format) {
              setError(`${file.name}: use a .json, .ndjson or .csv file`)
              return
            }
            setError(null)
            setParsed({ ...parseSamples(await file.text(), format), file: file.name })
          }}
        />
        {error && <p className="error-text">{error}</p>}
        {parsed && (
          <>
            <p data-testid="import-count">
              {parsed.events.length} event{parsed.events.length === 1 ? '' : 's'} in {parsed.file}
              {parsed.errors.length > 0 &&
                `, ${parsed.errors.length} malformed row${parsed.errors.length === 1 ? '' : 's'} skipped`}
            </p>
            {parsed.errors.length > 0 && (
              <ul className="import-errors" data-testid="import-errors">
                {parsed.errors.slice(0, 20).map((e, i) => (
                  <li key={i}>
                    Line {e.line}: {e.message}
                  </li>
                ))}
              </ul>
            )}
            <table className="preview" data-testid="import-preview">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>Type</th>
                  <th>Profile</th>
                  <th>Properties</th>
                </tr>
              </thead>
              <tbody>
                {parsed.events.slice(0, 5).map(({ line, event }) => (
                  <tr key={line}>
                    <td>{line}</td>
                    <td>{String(event.type ?? '')}</td>
                    <td>{String(event.profileId ?? '')}</td>
                    <td className="mono">{JSON.stringify(event.properties ?? {})}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        <div className="modal-actions">
          <button onClick={onCancel}>Cancel</button>
          <button
            className="primary"
            disabled={!parsed || parsed.events.length === 0}
            onClick={() => parsed && onImport(parsed.events.map((e) => e.event))}
            data-testid="import-confirm"
          >
            Create {parsed?.events.length ?? 0} test cases
          </button>
        </div>
      </div>
    </div>
  )
}
