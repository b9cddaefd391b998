import { useEffect, useRef } from 'react'
import { onEventsConnected } from './client'

/**
 * Listens to one of the contract's events while the component is mounted, e.g.
 * `useApiEvent(events.onTestProgress, (progress) => …)`; the latest callback is used.
 */
export function useApiEvent<P>(
  subscribe: (listener: (payload: P) => void) => () => void,
  listener: (payload: P) => void,
): void {
  const latest = useRef(listener)
  latest.current = listener
  useEffect(() => subscribe((payload) => latest.current(payload)), [subscribe])
}

/** Runs `refetch` when events start flowing and after every reconnect: the one fetch a view needs. */
export function useOnEventsConnected(refetch: () => void): void {
  const latest = useRef(refetch)
  latest.current = refetch
  useEffect(() => onEventsConnected(() => latest.current()), [])
}
