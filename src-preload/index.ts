/**
 * Exposes exactly the API contract as `window.flowbench`: one function per method, nothing
 * else (no raw ipcRenderer, no generic invoke).
 */
import { contextBridge, ipcRenderer } from 'electron'
import { channelOf, methodNames } from '../src-shared/api/contract'

const api: Record<string, (arg?: unknown) => Promise<unknown>> = {}
for (const method of methodNames) {
  const channel = channelOf(method)
  api[method] = (arg?: unknown) => ipcRenderer.invoke(channel, arg)
}

contextBridge.exposeInMainWorld('flowbench', Object.freeze(api))
