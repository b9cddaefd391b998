import { useState } from 'react'
import { events } from '../api/client'
import { useApiEvent } from '../api/useApiEvents'

/**
 * What the designer's run is doing while it runs, from main's runProgress events: the node
 * running now and how many have finished. Shown only while `running`.
 */
export function RunProgress({ running }: { running: boolean }) {
  const [progress, setProgress] = useState<{ node: string | null; finished: number }>({
    node: null,
    finished: 0,
  })
  const [wasRunning, setWasRunning] = useState(running)
  if (running !== wasRunning) {
    // A new run starts from nothing (state adjusted during render, React's documented pattern).
    setWasRunning(running)
    if (running) setProgress({ node: null, finished: 0 })
  }
  useApiEvent(events.onRunProgress, (event) => {
    if (!running || event.origin.kind !== 'designer') return
    if (event.type === 'nodeStarted') setProgress((p) => ({ ...p, node: event.nodeId }))
    else if (event.type === 'nodeFinished') setProgress((p) => ({ ...p, finished: p.finished + 1 }))
  })
  if (!running) return null
  return (
    <p className="muted small" role="status" data-testid="run-progress">
      {progress.node ? `Running “${progress.node}”…` : 'Starting…'} {progress.finished} node
      {progress.finished === 1 ? '' : 's'} done
    </p>
  )
}
