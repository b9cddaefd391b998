/**
 * The event (and starting profile) a flow was last run with, remembered per flow in
 * localStorage: "Run with…" offers it again and the inspector previews expressions against it.
 */
import { useMemo } from 'react'
import { create } from 'zustand'

export interface SampleRun {
  event: Record<string, unknown>
  profile?: Record<string, unknown>
}

const keyOf = (flowId: string) => `flowbench.lastEvent.${flowId}`

function load(flowId: string): SampleRun | null {
  try {
    const text = localStorage.getItem(keyOf(flowId))
    const parsed = text ? (JSON.parse(text) as SampleRun) : null
    return parsed && typeof parsed.event === 'object' && parsed.event !== null ? parsed : null
  } catch {
    return null
  }
}

interface LastEvents {
  byFlow: Record<string, SampleRun | null>
  remember: (flowId: string, sample: SampleRun) => void
}

export const useLastEvents = create<LastEvents>()((set) => ({
  byFlow: {},
  remember: (flowId, sample) => {
    try {
      localStorage.setItem(keyOf(flowId), JSON.stringify(sample))
    } catch {
      // A full storage only loses the memory of the event, not the run.
    }
    set((s) => ({ byFlow: { ...s.byFlow, [flowId]: sample } }))
  },
}))

/** The last event used for a flow, read from storage the first time it is asked for. */
export function useLastEvent(flowId: string | null): SampleRun | null {
  const known = useLastEvents((s) => (flowId ? s.byFlow[flowId] : null))
  // One object per flow and memory, so what depends on the sample is not recomputed each render.
  return useMemo(
    () => (!flowId ? null : known === undefined ? load(flowId) : known),
    [flowId, known],
  )
}
