import { useCallback, useMemo, useState } from 'react'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { DesignerStoreApi } from './designer-store'
import type { MockOutput } from '../../src-shared/flow/types'
import { withPin } from './pins'
import { caseFromReport, overlayOf, withMock } from './run-trace'

export interface RunTrace {
  report: ExecutionReport
  title: string
  /** The test case that made the run, if any: "Use as mock" pins outputs into it. */
  caseIndex: number | null
  /** The node the trace opens on (the node of "Run to here", a failing case's cause). */
  focus: string | null
}

/**
 * The run shown on the canvas and in the Trace tab, and what the user can make of it: a node's
 * output as a case's mock, or a new test case.
 */
export function useRunTrace({
  store,
  onMessage,
  showTab,
}: {
  store: DesignerStoreApi
  onMessage: (text: string, kind?: 'info' | 'error') => void
  /** Brings a bottom-panel tab forward (the trace after a run, the tests after a new case). */
  showTab: (tab: 'trace' | 'tests') => void
}) {
  const [trace, setTrace] = useState<RunTrace | null>(null)
  const overlay = useMemo(() => (trace ? overlayOf(trace.report) : null), [trace])

  const clear = useCallback(() => setTrace(null), [])

  /** Shows a run on the canvas and opens its trace. */
  const showRun = useCallback(
    (report: ExecutionReport | null, title: string, focus: string | null = null) => {
      setTrace(report ? { report, title, caseIndex: null, focus } : null)
      if (report) showTab('trace')
    },
    [showTab],
  )

  /** From the test bench: paint the case's run on the canvas but stay on its explanation. */
  const paintRun = useCallback(
    (report: ExecutionReport | null, title: string, caseIndex?: number, focus?: string | null) => {
      setTrace(
        report ? { report, title, caseIndex: caseIndex ?? null, focus: focus ?? null } : null,
      )
      // The node where a failing case went wrong: selected, so the inspector shows what it got.
      if (report && focus && store.getState().flow?.nodes.some((n) => n.id === focus))
        store.getState().select([focus])
    },
    [store],
  )

  /** Pins a node's output from the shown run as its mock, in the case that made the run (or the first case). */
  const pinAsMock = useCallback(
    (nodeId: string, output: { port: string; value: unknown }) => {
      const state = store.getState()
      const { tests, caseName } = withMock(
        state.flow?.tests ?? [],
        trace?.caseIndex ?? 0,
        nodeId,
        output,
      )
      state.setTests(tests)
      onMessage(`“${caseName}” now mocks ${nodeId} with its output on ${output.port}`)
    },
    [store, trace, onMessage],
  )

  /** A new test case from the shown run: its event, expecting what it did. */
  const caseFromRun = useCallback(() => {
    if (!trace) return
    const report = trace.report
    const state = store.getState()
    const made = caseFromReport(
      report,
      `From run at ${new Date(report.startedAt).toLocaleTimeString()}`,
    )
    state.setTests([...(state.flow?.tests ?? []), made])
    showTab('tests')
    onMessage('Added a test case from this run')
  }, [trace, store, onMessage, showTab])

  /** Pins a node's output for designer runs, or unpins it (null); kept in the draft, one undo step. */
  const setPin = useCallback(
    (nodeId: string, pin: MockOutput | null) => {
      const flow = store.getState().flow
      if (!flow) return
      store.getState().replaceFlow(withPin(flow, nodeId, pin))
      onMessage(
        pin
          ? `Pinned ${nodeId}'s output on ${pin.port}: Run, Run with… and Run to here use it instead of running the node`
          : `Unpinned ${nodeId}'s output`,
      )
    },
    [store, onMessage],
  )

  return { trace, overlay, clear, showRun, paintRun, pinAsMock, caseFromRun, setPin }
}
