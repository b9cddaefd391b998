import { useCallback, useState } from 'react'
import type { ExecutionReport } from '../../src-shared/engine/report'
import { call } from '../api/client'
import { useLastEvents } from '../testbench/last-event'
import type { RunWith } from '../testbench/RunWithDialog'
import type { DesignerStoreApi } from './designer-store'
import { pinsOf } from './pins'
import { firstCaseRun } from './run-trace'

/**
 * Running the draft once: the Run button (first test case's event), the "Run with…" dialog, and
 * "Run to here" (the dialog again, for the part of the flow up to a node). Designer runs use the
 * outputs the user pinned.
 */
export function useRunWith({
  store,
  flushSave,
  showRun,
  onMessage,
}: {
  store: DesignerStoreApi
  /** Saves the draft first, so the main process runs what the user sees. */
  flushSave: () => Promise<void>
  /** Shows the run; `focus` is the node its trace opens on. */
  showRun: (report: ExecutionReport, title: string, focus?: string | null) => void
  onMessage: (text: string, kind?: 'info' | 'error') => void
}) {
  /** The Run with… dialog: open, and for "Run to here" the node the run stops after. */
  const [dialog, setDialog] = useState<{ stopAfter: string | null } | null>(null)
  /** Bumped after each run, so the Runs tab lists it. */
  const [runsKey, setRunsKey] = useState(0)

  /** Runs the draft with an event (and maybe a starting profile and mocks), remembers the event, shows the run. */
  const runDraft = useCallback(
    async (run: RunWith) => {
      const state = store.getState()
      if (!state.flow || !state.flowId) return
      try {
        await flushSave()
        const pinned = pinsOf(state.flow)
        const report = await call('flows.run', {
          id: state.flowId,
          event: run.event,
          ...(run.profile ? { profile: run.profile } : {}),
          ...(run.mocks ? { mocks: run.mocks } : {}),
          ...(pinned ? { pinned } : {}),
          ...(run.stopAfter ? { stopAfter: run.stopAfter } : {}),
        })
        useLastEvents.getState().remember(state.flowId, {
          event: run.event,
          ...(run.profile ? { profile: run.profile } : {}),
        })
        showRun(report, run.title, run.stopAfter ?? null)
        if (run.stopAfter) state.select([run.stopAfter])
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
    dialog,
    /** Opens Run with…; with a node id, the run stops after that node. */
    openDialog: useCallback(
      (stopAfter?: string) => setDialog({ stopAfter: stopAfter ?? null }),
      [],
    ),
    closeDialog: useCallback(() => setDialog(null), []),
  }
}
