import { useState } from 'react'
import type { Change, ExecutionReport, NodeRunRecord } from '../../src-shared/engine/report'
import type { FlowNode } from '../../src-shared/flow/types'
import { branchDecision } from './branch-decision'

function show(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value, null, 2)
}

function ChangeList({ title, changes }: { title: string; changes: Change[] }) {
  if (changes.length === 0) return null
  return (
    <div className="changes">
      <h5>{title}</h5>
      <table>
        <tbody>
          {changes.map((c, i) => (
            <tr key={i} className={`change ${c.op}`}>
              <td className="mono">{c.path}</td>
              <td className="before">{c.op === 'add' ? '' : show(c.oldValue)}</td>
              <td className="arrow">→</td>
              <td className="after">{c.op === 'remove' ? '(removed)' : show(c.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** One run: the order and timing of its nodes, each node's input, output and logs, and what it changed. */
export function TraceView({
  report,
  title,
  nodes,
  focus = null,
  onClose,
}: {
  report: ExecutionReport
  title: string
  nodes: FlowNode[]
  /** The node to open on (its last run): the node of "Run to here", where a failing case went wrong. */
  focus?: string | null
  onClose: () => void
}) {
  const [picked, setPicked] = useState<NodeRunRecord | null>(() =>
    focus ? (report.nodes.findLast((n) => n.nodeId === focus) ?? null) : null,
  )
  const ran = report.nodes.filter((n) => n.status !== 'skipped')
  const longest = Math.max(0.001, ...ran.map((n) => n.durationMs))
  const node = picked ?? ran[0] ?? null
  const decisionOf = (record: NodeRunRecord) =>
    branchDecision(
      record,
      nodes.find((n) => n.id === record.nodeId),
      report,
    )
  const decision = node ? decisionOf(node) : null
  return (
    <div className="trace" data-testid="trace-view" data-run-id={report.runId}>
      <header className="trace-header">
        <strong>{title}</strong>
        <span
          className={`pill ${report.status === 'succeeded' ? 'live' : 'bad'}`}
          data-testid="trace-status"
        >
          {report.status}
        </span>
        <span className="muted small">{report.durationMs.toFixed(2)} ms</span>
        {report.errors.map((e, i) => (
          <span key={i} className="error-text small">
            {e.nodeId ? `${e.nodeId}: ` : ''}
            {e.message}
          </span>
        ))}
        <span className="topbar-spacer" />
        <button className="ghost small" onClick={onClose} data-testid="trace-close">
          Clear trace
        </button>
      </header>
      <div className="trace-body">
        <ol className="timeline" data-testid="timeline">
          {report.nodes.map((n, i) => (
            <li
              key={i}
              className={`${n.status}${node === n ? ' picked' : ''}`}
              onClick={() => setPicked(n)}
              data-testid={`timeline-${n.nodeId}`}
              aria-current={node === n ? 'step' : undefined}
            >
              <span className="seq">{n.status === 'skipped' ? '–' : n.sequence}</span>
              <span className="name">
                {n.label ?? n.nodeId}
                {decisionOf(n) && (
                  <span
                    className="decision muted small"
                    data-testid={`timeline-decision-${n.nodeId}`}
                  >
                    {' '}
                    {decisionOf(n)!.short}
                  </span>
                )}
              </span>
              <span className="bar">
                <span
                  style={{
                    width: `${n.status === 'skipped' ? 0 : Math.max(2, (n.durationMs / longest) * 100)}%`,
                  }}
                />
              </span>
              <span className="time">
                {n.status === 'skipped' ? 'skipped' : `${n.durationMs.toFixed(2)} ms`}
              </span>
            </li>
          ))}
        </ol>
        <div className="trace-node" data-testid="trace-node" data-node-id={node?.nodeId ?? ''}>
          {node ? (
            <>
              <h5>
                {node.label ?? node.nodeId} <span className="muted small">{node.plugin}</span>
              </h5>
              {node.error && <p className="error-text">{node.error.message}</p>}
              {decision && (
                <p className="decision" data-testid="trace-decision">
                  <code>{decision.expression}</code> <strong>{decision.text}</strong>
                </p>
              )}
              <div className="io">
                <div>
                  <div className="muted small">
                    Input{node.input?.port ? ` (${node.input.port})` : ''}
                  </div>
                  <pre data-testid="trace-input">{show(node.input?.value)}</pre>
                </div>
                <div>
                  <div className="muted small">Output</div>
                  <pre data-testid="trace-output">
                    {node.outputs.length
                      ? node.outputs.map((o) => `${o.port}: ${show(o.value)}`).join('\n')
                      : '—'}
                  </pre>
                </div>
              </div>
              {node.logs.length > 0 && (
                <ul className="logs">
                  {node.logs.map((l, i) => (
                    <li key={i} className={l.level}>
                      [{l.level}] {l.message}
                    </li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <p className="empty">Nothing ran.</p>
          )}
          <ChangeList title="Profile" changes={report.changes.profile} />
          <ChangeList title="Session" changes={report.changes.session} />
          <ChangeList title="Event" changes={report.changes.event} />
        </div>
      </div>
    </div>
  )
}
