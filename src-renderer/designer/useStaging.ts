import { useMemo, useState } from 'react'
import type { FlowDetails } from '../../src-shared/api/contract'
import type { Flow } from '../../src-shared/flow/types'
import { call } from '../api/client'
import type { DesignerStoreApi } from './designer-store'
import { diffFlows } from './flow-diff'
import { useAutosave } from './useAutosave'

/**
 * Draft and production: the draft's autosave (the draft's one writer; `flushSave` waits for it), what differs from production, deploy, the History
 * drawer and revert.
 */
export function useStaging({
  store,
  structure,
  details,
  setDetails,
  refreshFlows,
  act,
  onMessage,
}: {
  store: DesignerStoreApi
  /** The open flow without positions, so dragging a node does not recompute the diff. */
  structure: Flow | null
  details: FlowDetails | null
  setDetails: (details: FlowDetails) => void
  refreshFlows: () => Promise<void>
  act: (work: () => Promise<unknown>) => Promise<void>
  onMessage: (text: string, kind?: 'info' | 'error') => void
}) {
  const [deployOpen, setDeployOpen] = useState(false)
  const [historyOpen, setHistoryOpen] = useState(false)
  const [historyKey, setHistoryKey] = useState(0)

  const autosaveInitial = useMemo(
    () =>
      details
        ? {
            flowId: details.summary.id,
            version: details.draft.version,
            savedAt: details.draft.savedAt,
          }
        : null,
    [details],
  )
  const { status: saveStatus, flush: flushSave } = useAutosave(store, autosaveInitial)

  /** Deploys the draft; answers the reason when it was refused, for the dialog to show. */
  const deploy = async (note: string): Promise<string | null> => {
    const id = store.getState().flowId
    if (!id) return 'No flow is open'
    try {
      await flushSave()
      const result = await call('flows.deploy', note ? { id, note } : { id })
      onMessage(`Deployed revision ${result.revision}`)
      setDetails(await call('flows.get', { id }))
      setHistoryKey((k) => k + 1)
      await refreshFlows()
      return null
    } catch (error) {
      return (error as Error).message
    }
  }

  const revert = async (revision: number) => {
    const id = store.getState().flowId
    if (!id) return
    await act(async () => {
      await flushSave()
      await call('flows.revert', { id, revision })
      const next = await call('flows.get', { id })
      store.getState().open(next.draft.flow)
      setDetails(next)
      onMessage(`The draft is now revision ${revision}. Deploy to make it production.`)
    })
  }

  const diff = useMemo(
    () => (structure ? diffFlows(details?.production?.flow ?? null, structure) : null),
    [structure, details],
  )

  return {
    saveStatus,
    flushSave,
    deploy,
    revert,
    diff,
    hasProduction: !!details?.production,
    deployOpen,
    setDeployOpen,
    historyOpen,
    setHistoryOpen,
    historyKey,
  }
}
