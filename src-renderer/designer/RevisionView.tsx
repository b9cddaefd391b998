/**
 * One deployed revision in History, read-only: what the draft changed since it (nodes,
 * connections, config fields), its nodes, and its JSON, so a revert is never a leap in the dark.
 */
import { useEffect, useMemo, useState } from 'react'
import type { Flow } from '../../src-shared/flow/types'
import { call } from '../api/client'
import { useDesigner } from './DesignerContext'
import { diffFlows, isEmptyDiff } from './flow-diff'

type Tab = 'changes' | 'nodes' | 'json'

export function RevisionView({
  flowId,
  revision,
  onRevert,
  onClose,
}: {
  flowId: string
  revision: number
  onRevert: (revision: number) => Promise<void>
  onClose: () => void
}) {
  const draft = useDesigner((s) => s.flow)
  const [flow, setFlow] = useState<Flow | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [tab, setTab] = useState<Tab>('changes')
  useEffect(() => {
    let live = true
    setFlow(null)
    call('flows.revision', { id: flowId, revision }).then(
      (r) => live && setFlow(r.flow),
      (e: Error) => live && setError(e.message),
    )
    return () => {
      live = false
    }
  }, [flowId, revision])
  const diff = useMemo(() => (flow && draft ? diffFlows(flow, draft) : null), [flow, draft])

  return (
    <section className="revision-view" data-testid="revision-view" data-revision={revision}>
      <header>
        <strong>Revision r{revision}</strong>
        <span className="revision-tabs" role="tablist">
          {(['changes', 'nodes', 'json'] as const).map((t) => (
            <button
              key={t}
              role="tab"
              aria-selected={tab === t}
              className={`ghost small${tab === t ? ' active' : ''}`}
              onClick={() => setTab(t)}
              data-testid={`revision-tab-${t}`}
            >
              {t === 'changes' ? 'Draft vs r' + revision : t === 'nodes' ? 'Nodes' : 'JSON'}
            </button>
          ))}
        </span>
        <button className="ghost small" onClick={onClose} aria-label="Close the revision">
          ✕
        </button>
      </header>
      {error && <p className="error-text">{error}</p>}
      {!flow && !error && <p className="muted">Loading…</p>}
      {flow && diff && tab === 'changes' && (
        <div data-testid="revision-diff">
          {isEmptyDiff(diff) ? (
            <p className="muted">The draft is the same as r{revision} (positions aside).</p>
          ) : (
            <ul className="diff-list">
              {diff.added.map((id) => (
                <li
                  key={`a-${id}`}
                  className="diff-added"
                  data-testid={`revision-diff-added-${id}`}
                >
                  <span className="diff-sign">+</span> node <b>{id}</b>, new in the draft
                </li>
              ))}
              {diff.removed.map((id) => (
                <li
                  key={`r-${id}`}
                  className="diff-removed"
                  data-testid={`revision-diff-removed-${id}`}
                >
                  <span className="diff-sign">−</span> node <b>{id}</b>, not in the draft
                </li>
              ))}
              {diff.changed.map((id) => (
                <li
                  key={`c-${id}`}
                  className="diff-changed"
                  data-testid={`revision-diff-changed-${id}`}
                >
                  <span className="diff-sign">~</span> node <b>{id}</b>:{' '}
                  <span className="mono">{diff.nodeFields[id]?.join(', ')}</span>
                </li>
              ))}
              {diff.edges.added.map((e) => (
                <li key={`ea-${e}`} className="diff-added">
                  <span className="diff-sign">+</span> connection <span className="mono">{e}</span>
                </li>
              ))}
              {diff.edges.removed.map((e) => (
                <li key={`er-${e}`} className="diff-removed">
                  <span className="diff-sign">−</span> connection <span className="mono">{e}</span>
                </li>
              ))}
              {diff.settingsChanged && (
                <li className="diff-changed">
                  <span className="diff-sign">~</span> flow settings (name, description, tags…)
                </li>
              )}
            </ul>
          )}
        </div>
      )}
      {flow && tab === 'nodes' && (
        <table className="preview" data-testid="revision-nodes">
          <tbody>
            {flow.nodes.map((n) => (
              <tr key={n.id}>
                <td className="mono">{n.id}</td>
                <td>{n.label ?? ''}</td>
                <td className="mono muted">{n.plugin}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {flow && tab === 'json' && (
        <pre className="revision-json" data-testid="revision-json">
          {JSON.stringify(flow, null, 2)}
        </pre>
      )}
      {flow && (
        <div className="modal-actions">
          <button
            className="small"
            data-testid="revision-view-revert"
            onClick={() => void onRevert(revision).then(onClose)}
            title={`Replace the draft with r${revision}; production changes with the next deploy`}
          >
            Make r{revision} the draft
          </button>
        </div>
      )}
    </section>
  )
}
