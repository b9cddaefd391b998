/**
 * Exposes exactly the API contract as `window.flowbench`: one function per method and one
 * `onX(listener) → unsubscribe` per event, nothing else (no raw ipcRenderer, no generic invoke
 * or generic event channel).
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { IpcRendererEvent } from 'electron'
import { channelOf, methodNames } from '../src-shared/api/contract'
import { eventChannelOf, eventNames, listenerNameOf } from '../src-shared/api/events'

const api: Record<string, unknown> = {}
for (const method of methodNames) {
  const channel = channelOf(method)
  api[method] = (arg?: unknown) => ipcRenderer.invoke(channel, arg)
}
for (const event of eventNames) {
  const channel = eventChannelOf(event)
  api[listenerNameOf(event)] = (listener: (payload: unknown) => void) => {
    // The page gets the payload only, never the IPC event (its sender would reach ipcRenderer).
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload)
    ipcRenderer.on(channel, forward)
    return () => void ipcRenderer.removeListener(channel, forward)
  }
}

contextBridge.exposeInMainWorld('flowbench', Object.freeze(api))
