import { useCallback, useMemo, useState } from 'react'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import { caseForPort, uncoveredByNode } from '../coverage/coverage-case'
import type { CoverageOverlay } from './Canvas'
import type { DesignerStoreApi } from './designer-store'

/**
 * The coverage of the last finished test run: the canvas's Coverage toggle paints what no case
 * reached, and a click on an uncovered port offers a test case that would reach it.
 */
export function useCoverage({
  store,
  onMessage,
  showTests,
}: {
  store: DesignerStoreApi
  onMessage: (text: string, kind?: 'info' | 'error') => void
  showTests: () => void
}) {
  const [coverage, setCoverage] = useState<FlowCoverage | null>(null)
  const [showCoverage, setShowCoverage] = useState(false)
  const [offer, setOffer] = useState<{ nodeId: string; port: string } | null>(null)

  const overlay: CoverageOverlay | null = useMemo(() => {
    if (!showCoverage || !coverage) return null
    const onPort = (nodeId: string, port: string) => setOffer({ nodeId, port })
    return new Map([...uncoveredByNode(coverage)].map(([id, c]) => [id, { ...c, onPort }]))
  }, [showCoverage, coverage])

  /** Another flow was opened: its coverage is not known yet. */
  const reset = useCallback(() => {
    setCoverage(null)
    setOffer(null)
  }, [])

  /** The offered case for an uncovered port: added to the draft's cases for the user to complete. */
  const createCase = useCallback(() => {
    const state = store.getState()
    if (!offer || !state.flow) return
    const made = caseForPort(state.flow, offer.nodeId, offer.port)
    state.setTests([...(state.flow.tests ?? []), made])
    setOffer(null)
    showTests()
    onMessage(
      `Added “${made.name}”: edit its event until the run reaches ${offer.nodeId}.${offer.port}`,
    )
  }, [store, offer, onMessage, showTests])

  return {
    coverage,
    setCoverage,
    overlay,
    showCoverage,
    toggle: useCallback(() => setShowCoverage((on) => !on), []),
    offer,
    dismissOffer: useCallback(() => setOffer(null), []),
    createCase,
    reset,
  }
}
