import { useCallback, useEffect, useRef, useState } from 'react'
import type { Flow } from '../../src-shared/flow/types'
import { api } from '../api/client'
import type { DesignerStoreApi } from './designer-store'

export type SaveStatus =
  | { state: 'saved'; at: string }
  | { state: 'unsaved' }
  | { state: 'saving' }
  | { state: 'error'; message: string; stale: boolean }

/** Saves the draft about a second after the last edit (well within the 3 s the brief allows). */
export const AUTOSAVE_DELAY_MS = 800

/**
 * The draft's only writer: saves about a second after the last edit, when the page is hidden,
 * and on `flush()` — which deploy, revert and runs await so main works on what the user sees.
 * One writer keeps one base version, so two saves never race each other into `stale-draft`.
 */
export function useAutosave(
  store: DesignerStoreApi,
  initial: { flowId: string; version: number; savedAt: string } | null,
) {
  const [status, setStatus] = useState<SaveStatus>({ state: 'saved', at: initial?.savedAt ?? '' })
  const version = useRef(initial?.version ?? 0)
  const flowId = useRef(initial?.flowId ?? null)
  const lastSaved = useRef<Flow | null>(store.getState().flow)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const inFlight = useRef<Promise<void> | null>(null)
  const lastError = useRef<string | null>(null)
  const saveRef = useRef<() => Promise<void>>(async () => undefined)

  useEffect(() => {
    version.current = initial?.version ?? 0
    flowId.current = initial?.flowId ?? null
    lastSaved.current = store.getState().flow
    lastError.current = null
    setStatus({ state: 'saved', at: initial?.savedAt ?? '' })
  }, [initial, store])

  useEffect(() => {
    const save = async () => {
      timer.current = null
      const flow = store.getState().flow
      const id = flowId.current
      if (!flow || !id || flow === lastSaved.current) return
      if (inFlight.current) await inFlight.current
      setStatus({ state: 'saving' })
      const run = (async () => {
        const result = await api['flows.saveDraft']({ id, baseVersion: version.current, flow })
        if (result.ok) {
          version.current = result.value.version
          lastSaved.current = flow
          lastError.current = null
          setStatus(
            store.getState().flow === flow
              ? { state: 'saved', at: result.value.savedAt }
              : { state: 'unsaved' },
          )
        } else {
          lastError.current = result.error.message
          setStatus({
            state: 'error',
            message: result.error.message,
            stale: result.error.code === 'stale-draft',
          })
        }
      })()
      inFlight.current = run
      await run
      inFlight.current = null
      if (store.getState().flow !== lastSaved.current && !timer.current)
        timer.current = setTimeout(save, AUTOSAVE_DELAY_MS)
    }
    saveRef.current = save
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.flow === previous.flow || !state.flow || state.flowId !== flowId.current) return
      setStatus((s) =>
        s.state === 'unsaved' || (s.state === 'error' && s.stale) ? s : { state: 'unsaved' },
      )
      if (timer.current) clearTimeout(timer.current)
      timer.current = setTimeout(save, AUTOSAVE_DELAY_MS)
    })
    const flushOnHide = () => {
      if (document.visibilityState === 'hidden' && timer.current) {
        clearTimeout(timer.current)
        void save()
      }
    }
    document.addEventListener('visibilitychange', flushOnHide)
    return () => {
      unsubscribe()
      document.removeEventListener('visibilitychange', flushOnHide)
      if (timer.current) {
        clearTimeout(timer.current)
        void save()
      }
    }
  }, [store])

  /** Saves now what is not saved yet, and waits for it; throws when the draft cannot be saved. */
  const flush = useCallback(async () => {
    if (timer.current) {
      clearTimeout(timer.current)
      timer.current = null
    }
    while (inFlight.current) await inFlight.current
    const flow = store.getState().flow
    if (!flow || store.getState().flowId !== flowId.current || flow === lastSaved.current) return
    await saveRef.current()
    if (store.getState().flow === flow && flow !== lastSaved.current)
      throw new Error(`The draft is not saved: ${lastError.current ?? 'unknown error'}`)
  }, [store])

  return { status, flush }
}
