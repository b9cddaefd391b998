import { lazy, memo, Suspense, useCallback, useEffect, useRef, useState } from 'react'
import type { CaseSummary, TestJobStatus } from '../../src-shared/api/contract'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { FlowEdge, TestCase } from '../../src-shared/flow/types'
import { TEST_CASE_SCHEMA } from '../../src-shared/flow/schema'
import { parseJsonText } from '../../src-shared/json-text'
import { call, events } from '../api/client'
import { useApiEvent, useOnEventsConnected } from '../api/useApiEvents'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import { CoverageSummary } from '../coverage/CoverageSummary'
import { expectationsFromRun } from './expectations-from-run'
import type { FailureCause } from './failure-cause'
import { failureCause } from './failure-cause'
import { ImportEvents } from './ImportEvents'
import { useEnvironments } from '../secrets/environments-store'

const CodeEditor = lazy(() =>
  import('../editor/CodeEditor').then((m) => ({ default: m.CodeEditor })),
)

export interface TestBenchProps {
  flowId: string
  cases: TestCase[]
  onCasesChange: (cases: TestCase[]) => void
  /** The flow's edges: a failing case's cause is found along them. */
  edges: readonly FlowEdge[]
  /** Shows a run on the canvas and in the trace view (null clears it); `focus` is the node its trace opens on. */
  onShowRun: (
    report: ExecutionReport | null,
    title: string,
    caseIndex?: number,
    focus?: string | null,
  ) => void
  /** Brings the shown run's trace forward. */
  onOpenTrace: () => void
  /** Saves the draft first, so the main process runs what the user sees. */
  beforeRun: () => Promise<void>
  onMessage: (text: string, kind?: 'info' | 'error') => void
  /** The coverage of a finished run of the cases, for the canvas's Coverage toggle. */
  onCoverage?: (coverage: FlowCoverage | null) => void
}

function show(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value, null, 2)
}

export function TestBench({
  flowId,
  cases,
  edges,
  onCasesChange,
  onShowRun,
  onOpenTrace,
  beforeRun,
  onMessage,
  onCoverage,
}: TestBenchProps) {
  const [job, setJob] = useState<TestJobStatus | null>(null)
  const [selected, setSelected] = useState<number | null>(null)
  const [editing, setEditing] = useState<number | null>(null)
  const [importing, setImporting] = useState(false)
  /** The run of the picked result, and where it went wrong when it failed. */
  const [shown, setShown] = useState<{
    index: number
    report: ExecutionReport
    cause: FailureCause | null
  } | null>(null)
  // The job this bench shows: main tells its progress (testProgress events); its status is
  // fetched once when it starts and after a reconnect, and results are merged by case index.
  const current = useRef<{ jobId: string; cases: Map<number, CaseSummary>; done: boolean } | null>(
    null,
  )

  useEffect(() => {
    current.current = null
    setJob(null)
    setSelected(null)
    setEditing(null)
    setShown(null)
  }, [flowId])

  const finish = (status: TestJobStatus) => {
    const mine = current.current
    if (!mine || mine.jobId !== status.jobId || mine.done) return
    mine.done = true
    const cases = [...mine.cases.values()]
    setJob({ ...status, cases })
    onCoverage?.(status.coverage)
    if (status.error && cases.every((c) => c.error)) onMessage(status.error, 'error')
  }

  const merge = (jobId: string, finished: CaseSummary[]) => {
    const mine = current.current
    if (!mine || mine.jobId !== jobId || mine.done) return
    for (const c of finished) mine.cases.set(c.index, c)
    const cases = [...mine.cases.values()]
    const failed = cases.filter((c) => !c.passed).length
    setJob((job) =>
      job && job.jobId === jobId
        ? { ...job, cases, done: cases.length, passed: cases.length - failed, failed }
        : job,
    )
  }

  /** The one fetch: whatever finished before this bench heard of the job, or while disconnected. */
  const sync = async (jobId: string) => {
    const status = await call('tests.status', { jobId })
    merge(jobId, status.cases)
    if (status.finished) finish({ ...status, cases: [] })
  }

  useApiEvent(events.onTestProgress, (progress) => {
    if (progress.type === 'caseFinished') merge(progress.jobId, [progress.case])
    else if (progress.type === 'jobFinished') finish(progress.status)
  })
  useOnEventsConnected(() => {
    const mine = current.current
    if (mine && !mine.done) void sync(mine.jobId).catch(() => {})
  })

  const running = job !== null && !job.finished
  const results = new Map<number, CaseSummary>((job?.cases ?? []).map((c) => [c.index, c]))

  const start = async (only?: number[]) => {
    try {
      await beforeRun()
      const { jobId, total } = await call('tests.start', only ? { flowId, only } : { flowId })
      current.current = { jobId, cases: new Map(), done: false }
      setJob({
        jobId,
        flowId,
        done: 0,
        total,
        finished: false,
        cancelled: false,
        passed: 0,
        failed: 0,
        durationMs: 0,
        error: null,
        cases: [],
        coverage: null,
      })
      await sync(jobId)
    } catch (error) {
      onMessage((error as Error).message, 'error')
    }
  }

  const openResult = async (index: number) => {
    setSelected(index)
    setShown(null)
    const result = results.get(index)
    if (!job || !result) return
    try {
      const report = await call('tests.caseReport', { jobId: job.jobId, index })
      const cause = result.passed ? null : failureCause(result.unmet, report, edges)
      setShown({ index, report, cause })
      onShowRun(report, `Test: ${cases[index]?.name ?? index}`, index, cause?.nodeId ?? null)
    } catch {
      onShowRun(null, '')
    }
  }

  /** Fills the case's expectations from its run: status, nodes reached, profile values changed. */
  const takeExpectations = () => {
    if (!shown || !cases[shown.index]) return
    const expect = expectationsFromRun(shown.report, cases[shown.index]!.event)
    onCasesChange(cases.map((c, j) => (j === shown.index ? { ...c, expect } : c)))
    const profile = Object.keys(expect.profile ?? {}).length
    onMessage(
      `“${cases[shown.index]!.name}” now expects ${expect.status}, ${expect.reached?.length ?? 0} nodes reached and ${profile} profile value${profile === 1 ? '' : 's'}`,
    )
  }

  const addCase = () => {
    const next = [
      ...cases,
      {
        name: `Case ${cases.length + 1}`,
        event: { type: 'purchase', properties: {} },
        expect: { status: 'succeeded' as const },
      },
    ]
    onCasesChange(next)
    setEditing(next.length - 1)
  }

  // Stable handlers, so a progress event re-renders only the rows whose result changed.
  const latest = useRef({ openResult, start, cases, editing, onCasesChange })
  latest.current = { openResult, start, cases, editing, onCasesChange }
  const openRow = useCallback((i: number) => void latest.current.openResult(i), [])
  const runRow = useCallback((i: number) => void latest.current.start([i]), [])
  const editRow = useCallback((i: number) => setEditing((e) => (e === i ? null : i)), [])
  const deleteRow = useCallback(
    (i: number) => latest.current.onCasesChange(latest.current.cases.filter((_, j) => j !== i)),
    [],
  )

  const listRef = useRef<HTMLUListElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const visibleRows = Math.ceil((listRef.current?.clientHeight ?? 600) / ROW_HEIGHT) + 10
  const windowStart = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5)
  const windowEnd = Math.min(cases.length, windowStart + visibleRows)

  const passed = job?.passed ?? 0
  const failed = job?.failed ?? 0
  const environment = useEnvironments((state) => state.state?.current)
  const chosen = selected !== null ? results.get(selected) : undefined

  return (
    <div className="test-bench" data-testid="test-bench">
      <div className="bench-toolbar">
        <span
          className="muted small"
          title="Cases read this environment's secrets and variables unless they give their own"
          data-testid="test-environment"
        >
          Environment: {environment ?? '…'}
        </span>
        <button
          className="primary small"
          disabled={running || cases.length === 0}
          onClick={() => void start()}
          data-testid="run-all"
        >
          Run all ({cases.length})
        </button>
        {running && (
          <button
            className="small"
            onClick={() => job && void call('tests.cancel', { jobId: job.jobId })}
            data-testid="cancel-tests"
          >
            Cancel
          </button>
        )}
        <button className="small" onClick={addCase} data-testid="add-case">
          Add case
        </button>
        <button className="small" onClick={() => setImporting(true)} data-testid="import-events">
          Import events…
        </button>
        {job && (
          <div
            className="progress"
            data-testid="test-progress"
            title={`${job.done} of ${job.total}`}
          >
            <div
              className="progress-bar"
              style={{ width: `${job.total ? (job.done / job.total) * 100 : 100}%` }}
            />
          </div>
        )}
        {job && (
          <span className={failed ? 'summary failed' : 'summary passed'} data-testid="test-summary">
            {passed} passed, {failed} failed{job.cancelled ? ' (cancelled)' : ''}
            {job.finished ? ` in ${Math.round(job.durationMs)} ms` : ''}
          </span>
        )}
        {job?.finished && job.coverage && <CoverageSummary coverage={job.coverage} />}
      </div>
      <div className="bench-body">
        <ul
          className="cases"
          data-testid="cases"
          ref={listRef}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        >
          {cases.length === 0 && (
            <li className="empty">No test cases yet. Add one, or import sample events.</li>
          )}
          {/* Only the rows in view are drawn, so a thousand results arriving at once stay cheap. */}
          {windowStart > 0 && <li style={{ height: windowStart * ROW_HEIGHT }} aria-hidden />}
          {cases.slice(windowStart, windowEnd).map((c, offset) => (
            <CaseRow
              key={windowStart + offset}
              index={windowStart + offset}
              name={c.name}
              result={results.get(windowStart + offset)}
              selected={selected === windowStart + offset}
              running={running}
              onOpen={openRow}
              onRun={runRow}
              onEdit={editRow}
              onDelete={deleteRow}
            />
          ))}
          {windowEnd < cases.length && (
            <li style={{ height: (cases.length - windowEnd) * ROW_HEIGHT }} aria-hidden />
          )}
        </ul>
        <div className="case-detail">
          {editing !== null && cases[editing] ? (
            <CaseEditor
              key={editing}
              testCase={cases[editing]!}
              onChange={(next) => onCasesChange(cases.map((c, j) => (j === editing ? next : c)))}
            />
          ) : chosen ? (
            <CaseResultView
              result={chosen}
              cause={shown?.index === selected ? shown.cause : null}
              onOpenTrace={onOpenTrace}
              onTakeExpectations={shown?.index === selected ? takeExpectations : null}
            />
          ) : (
            <p className="empty">
              Run the cases, then pick one to see why it passed or failed and its path on the
              canvas.
            </p>
          )}
        </div>
      </div>
      {importing && (
        <ImportEvents
          onCancel={() => setImporting(false)}
          onImport={(events) => {
            const made = events.map((event, i) => ({
              name: `Imported ${cases.length + i + 1}${typeof event.type === 'string' ? ` (${event.type})` : ''}`,
              event,
              expect: { status: 'succeeded' as const },
            }))
            onCasesChange([...cases, ...made])
            setImporting(false)
            onMessage(`Added ${made.length} test case${made.length === 1 ? '' : 's'}`)
          }}
        />
      )}
    </div>
  )
}

const ROW_HEIGHT = 26

const CaseRow = memo(function CaseRow(props: {
  index: number
  name: string
  result: CaseSummary | undefined
  selected: boolean
  running: boolean
  onOpen: (i: number) => void
  onRun: (i: number) => void
  onEdit: (i: number) => void
  onDelete: (i: number) => void
}) {
  const { index: i, name, result, selected, running } = props
  return (
    <li
      className={selected ? 'selected' : ''}
      data-testid={`case-${i}`}
      style={{ height: ROW_HEIGHT }}
    >
      <button className="case-open" onClick={() => props.onOpen(i)}>
        <span
          className={`dot ${result ? (result.passed ? 'pass' : 'fail') : ''}`}
          data-testid={`case-status-${i}`}
          data-status={result ? (result.passed ? 'passed' : 'failed') : 'not-run'}
        />
        <span className="case-name">{name}</span>
        {result && <span className="muted small">{result.durationMs.toFixed(1)} ms</span>}
      </button>
      <button
        className="ghost small"
        title="Run this case"
        onClick={() => props.onRun(i)}
        disabled={running}
      >
        ▶
      </button>
      <button
        className="ghost small"
        title="Edit"
        onClick={() => props.onEdit(i)}
        data-testid={`edit-case-${i}`}
      >
        ✎
      </button>
      <button className="ghost small" title="Delete" onClick={() => props.onDelete(i)}>
        ✕
      </button>
    </li>
  )
})

function CaseResultView({
  result,
  cause,
  onOpenTrace,
  onTakeExpectations,
}: {
  result: CaseSummary
  cause: FailureCause | null
  onOpenTrace: () => void
  /** Null until the case's run has loaded. */
  onTakeExpectations: (() => void) | null
}) {
  const take = onTakeExpectations && (
    <button
      className="small"
      onClick={onTakeExpectations}
      title="Expect what this run did: its status, the nodes it reached and the profile values it changed"
      data-testid="take-expectations"
    >
      Take expectations from this run
    </button>
  )
  if (result.passed)
    return (
      <div className="case-passed">
        <p className="pass-text" data-testid="case-passed">
          ✓ {result.name} passed: every expectation was met.
        </p>
        {take}
      </div>
    )
  return (
    <div className="case-failure" data-testid="case-failure">
      <div className="case-failure-head">
        <h4>✗ {result.name}</h4>
        {take}
      </div>
      {result.error && <p className="error-text">{result.error}</p>}
      {cause && (
        <p className="failure-cause" data-testid="failure-cause" data-node-id={cause.nodeId}>
          <span>{cause.why}</span>
          <button className="small" onClick={onOpenTrace} data-testid="open-cause-trace">
            Open the trace at “{cause.nodeId}”
          </button>
        </p>
      )}
      <table className="unmet">
        <colgroup>
          <col className="unmet-what" />
          <col />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th>Expectation</th>
            <th>Expected</th>
            <th>Actual</th>
          </tr>
        </thead>
        <tbody>
          {result.unmet.map((u, i) => (
            <tr key={i} data-testid={`unmet-${i}`}>
              <td>
                <div className="mono">{u.target}</div>
                <div className="muted small">{u.message}</div>
              </td>
              <td>
                <pre className="expected">{show(u.expected)}</pre>
              </td>
              <td>
                <pre className="actual">{show(u.actual)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A case as JSON, checked against the test-case schema; invalid text never replaces the case. */
function CaseEditor({
  testCase,
  onChange,
}: {
  testCase: TestCase
  onChange: (next: TestCase) => void
}) {
  const [text, setText] = useState(() => JSON.stringify(testCase, null, 2))
  const [error, setError] = useState<string | null>(null)
  return (
    <div className="case-editor" data-testid="case-editor">
      <Suspense fallback={<div className="code-editor loading">Loading editor…</div>}>
        <CodeEditor
          value={text}
          language="json"
          path={`flowbench://test-case/${encodeURIComponent(testCase.name)}.json`}
          schema={TEST_CASE_SCHEMA}
          height={180}
          onChange={(next) => {
            setText(next)
            const parsed = parseJsonText(next)
            if (!parsed.ok) return setError(parsed.message)
            const value = parsed.value as TestCase
            if (
              !value ||
              typeof value !== 'object' ||
              typeof value.name !== 'string' ||
              !value.event ||
              typeof value.event !== 'object'
            ) {
              return setError('A case needs a "name" and an "event" object')
            }
            setError(null)
            onChange(value)
          }}
        />
      </Suspense>
      {error ? (
        <div className="field-error">{error} — the case keeps its last valid version.</div>
      ) : (
        <div className="muted small">name, event, profile?, session?, mocks?, expect</div>
      )}
    </div>
  )
}
