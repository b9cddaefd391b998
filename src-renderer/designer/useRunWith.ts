import { useCallback, useState } from 'react'
import type { ExecutionReport } from '../../src-shared/engine/report'
import { call } from '../api/client'
import { useLastEvents } from '../testbench/last-event'
import type { RunWith } from '../testbench/RunWithDialog'
import type { DesignerStoreApi } from './designer-store'
import { firstCaseRun } from './run-trace'

/** Running the draft once: the Run button (first test case's event) and the "Run with…" dialog. */
export function useRunWith({
  store,
  flushSave,
  showRun,
  onMessage,
}: {
  store: DesignerStoreApi
  /** Saves the draft first, so the main process runs what the user sees. */
  flushSave: () => Promise<void>
  showRun: (report: ExecutionReport, title: string) => void
  onMessage: (text: string, kind?: 'info' | 'error') => void
}) {
  const [dialogOpen, setDialogOpen] = useState(false)
  /** Bumped after each run, so the Runs tab lists it. */
  const [runsKey, setRunsKey] = useState(0)

  /** Runs the draft with an event (and maybe a starting profile and mocks), remembers the event, shows the run. */
  const runDraft = useCallback(
    async (run: RunWith) => {
      const state = store.getState()
      if (!state.flow || !state.flowId) return
      try {
        await flushSave()
        const report = await call('flows.run', {
          id: state.flowId,
          event: run.event,
          ...(run.profile ? { profile: run.profile } : {}),
          ...(run.mocks ? { mocks: run.mocks } : {}),
        })
        useLastEvents.getState().remember(state.flowId, {
          event: run.event,
          ...(run.profile ? { profile: run.profile } : {}),
        })
        showRun(report, run.title)
        setRunsKey((k) => k + 1)
      } catch (error) {
        onMessage((error as Error).message, 'error')
      }
    },
    [store, flushSave, showRun, onMessage],
  )

  /** Runs the draft once with the first test case's event (or an empty one). */
  const runOnce = useCallback(
    () => runDraft(firstCaseRun(store.getState().flow?.tests)),
    [runDraft, store],
  )

  return {
    runDraft,
    runOnce,
    runsKey,
    dialogOpen,
    openDialog: useCallback(() => setDialogOpen(true), []),
    closeDialog: useCallback(() => setDialogOpen(false), []),
  }
}
