import type { useReactFlow } from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { FlowDetails, FlowSummary } from '../../src-shared/api/contract'
import { call } from '../api/client'
import { asDistinctCopy, conflictingFlow } from '../flows/flow-documents'
import { readFlowFile } from '../flows/FlowList'
import { SAMPLES } from '../flows/samples'
import type { DesignerStoreApi } from './designer-store'
import { fitFlow } from './node-size'

const LAST_FLOW_KEY = 'flowbench.lastFlow'

export interface FlowConflict {
  flow: Record<string, unknown>
  source: string
  existingName: string
}

/**
 * The flow list and the open flow: listing, opening (restoring the last one on start), creating,
 * importing files, examples and bundles, renaming, duplicating, trash — and the question asked
 * when an opened document's id is already taken.
 */
export function useFlowList({
  store,
  reactFlow,
  onMessage,
  onOpened,
}: {
  store: DesignerStoreApi
  reactFlow: ReturnType<typeof useReactFlow>
  onMessage: (text: string, kind?: 'info' | 'error') => void
  /** Another flow is open: what belonged to the previous one (its run, its coverage) goes. */
  onOpened: () => void
}) {
  const [flows, setFlows] = useState<FlowSummary[]>([])
  const [details, setDetails] = useState<FlowDetails | null>(null)
  const [conflict, setConflict] = useState<FlowConflict | null>(null)
  const openingRef = useRef<string | null>(null)

  const refreshFlows = useCallback(async () => {
    try {
      setFlows(await call('flows.list', { includeDeleted: true }))
    } catch (error) {
      onMessage((error as Error).message, 'error')
    }
  }, [onMessage])

  const openFlow = useCallback(
    async (id: string) => {
      openingRef.current = id
      try {
        const next = await call('flows.get', { id })
        if (openingRef.current !== id) return
        store.getState().open(next.draft.flow)
        setDetails(next)
        onOpened()
        localStorage.setItem(LAST_FLOW_KEY, id)
        requestAnimationFrame(() => void fitFlow(reactFlow))
      } catch (error) {
        onMessage((error as Error).message, 'error')
      }
    },
    [store, onMessage, reactFlow, onOpened],
  )

  useEffect(() => {
    void refreshFlows().then(() => {
      const last = localStorage.getItem(LAST_FLOW_KEY)
      if (last) void openFlow(last).catch(() => undefined)
    })
    // Runs once on mount: restore the list and the last open flow.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  /** Runs an action, shows its error, and refreshes the list either way. */
  const act = useCallback(
    async (work: () => Promise<unknown>) => {
      try {
        await work()
      } catch (error) {
        onMessage((error as Error).message, 'error')
      }
      await refreshFlows()
    },
    [onMessage, refreshFlows],
  )

  /** Creates the flow under a name no other flow has; the server picks a free id. */
  const createCopy = useCallback(
    async (flow: Record<string, unknown>, source: string) => {
      const existing = await call('flows.list', { includeDeleted: true })
      const created = await call('flows.create', { flow: asDistinctCopy(flow, existing) })
      await openFlow(created.summary.id)
      onMessage(`Opened ${source} as flow “${created.summary.name}”`)
    },
    [openFlow, onMessage],
  )

  /** Opens a flow document, asking first when its id is taken by a flow the user has. */
  const openDocument = useCallback(
    async (flow: Record<string, unknown>, source: string) => {
      const existing = conflictingFlow(await call('flows.list', { includeDeleted: true }), flow)
      if (existing) setConflict({ flow, source, existingName: existing.name })
      else await createCopy(flow, source)
    },
    [createCopy],
  )

  const resolveConflict = (choice: 'replace' | 'keep-both') =>
    act(async () => {
      if (!conflict) return
      const { flow, source } = conflict
      setConflict(null)
      if (choice === 'keep-both') return createCopy(flow, source)
      const id = String(flow.id)
      const current = await call('flows.get', { id })
      await call('flows.saveDraft', { id, baseVersion: current.draft.version, flow })
      await openFlow(id)
      onMessage(`Replaced the draft of “${current.summary.name}” with ${source}`)
    })

  const actions = useMemo(
    () => ({
      open: (id: string) => void openFlow(id),
      create: (name: string) =>
        act(async () => {
          const created = await call('flows.create', { name })
          await openFlow(created.summary.id)
        }),
      importText: (text: string, fileName: string) =>
        act(async () => {
          const read = readFlowFile(text, fileName)
          if (!read.ok) throw new Error(read.message)
          await openDocument(read.flow, fileName)
        }),
      openSample: (id: string) =>
        act(async () => {
          const sample = SAMPLES.find((s) => s.id === id)
          if (sample)
            await openDocument(structuredClone(sample.flow), `the example “${sample.name}”`)
        }),
      rename: (id: string, name: string) =>
        act(async () => {
          if (store.getState().flowId === id) store.getState().renameFlow(name)
          else {
            const current = await call('flows.get', { id })
            await call('flows.saveDraft', {
              id,
              baseVersion: current.draft.version,
              flow: { ...current.draft.flow, name },
            })
          }
        }),
      inspectBundle: async (base64: string) => {
        try {
          return await call('bundles.inspect', { base64 })
        } catch (error) {
          onMessage((error as Error).message, 'error')
          return null
        }
      },
      // `trustPlugins` only after the user confirmed the dialog that lists the bundle's plugin code.
      importBundle: (base64: string, fileName: string, trustPlugins: boolean) =>
        act(async () => {
          const result = await call('bundles.import', { base64, trustPlugins })
          onMessage(
            `Imported ${result.flows.map((f) => f.id).join(', ')} from ${fileName} (deployed)`,
          )
          if (result.flows[0]) await openFlow(result.flows[0].id)
        }),
      duplicate: (id: string) => act(() => call('flows.duplicate', { id })),
      remove: (id: string) =>
        act(async () => {
          await call('flows.delete', { id })
          if (store.getState().flowId === id) {
            store.getState().close()
            setDetails(null)
          }
          onMessage('Moved to the trash. Restore it from the Trash below the list.')
        }),
      restore: (id: string) => act(() => call('flows.restore', { id })),
      emptyTrash: () => act(() => call('flows.emptyTrash')),
    }),
    [act, openFlow, onMessage, store, openDocument],
  )

  /** A flow file the host opened (menu, second launch): created as a new flow and opened. */
  const openFileText = useCallback(
    async (text: string, fileName: string) => {
      try {
        const read = readFlowFile(text, fileName)
        if (!read.ok) throw new Error(read.message)
        const created = await call('flows.create', { flow: read.flow })
        await openFlow(created.summary.id)
        onMessage(`Opened ${fileName} as flow “${created.summary.name}”`)
        return created.summary.id
      } catch (error) {
        onMessage((error as Error).message, 'error')
        return null
      } finally {
        await refreshFlows()
      }
    },
    [openFlow, onMessage, refreshFlows],
  )

  return {
    flows,
    details,
    setDetails,
    refreshFlows,
    openFlow,
    act,
    actions,
    openFileText,
    conflict,
    resolveConflict,
    cancelConflict: useCallback(() => setConflict(null), []),
  }
}
