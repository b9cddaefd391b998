/**
 * Registers the API on an ipcMain-like object. Kept free of `electron` imports so it can be
 * unit-tested with a fake; the Electron entry passes the real ipcMain.
 */
import { channelOf, methodNames } from '../../src-shared/api/contract'
import { eventChannelOf, isEventName } from '../../src-shared/api/events'
import type { EventSubscription } from '../app/event-hub'
import { fail } from '../../src-shared/api/result'
import type { ApiHandlers } from '../api/dispatch'
import { dispatch } from '../api/dispatch'
import { APP_ORIGIN } from './app-protocol'

export interface IpcSenderFrame {
  url: string
  /** Electron's WebFrameMain: null for a window's top frame. */
  parent?: unknown
}

export interface IpcInvokeEventLike {
  senderFrame: IpcSenderFrame | null | undefined
}

export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown,
  ): void
}

/**
 * The origin of a URL as scheme://host[:port]. WHATWG URL reports 'null' for schemes it does not
 * know (`app:`), although Chromium gives a registered standard scheme a real origin.
 */
export function originOf(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (parsed.origin !== 'null') return parsed.origin
  return parsed.host ? `${parsed.protocol}//${parsed.host}` : undefined
}

/**
 * The origins whose pages may call the API: the app's own `app://` origin, or in development the
 * electron-vite dev server alone. Never `file:`: every local HTML file would share that "origin".
 */
export function trustedRendererOrigins(devServerUrl?: string): string[] {
  if (!devServerUrl) return [APP_ORIGIN]
  const dev = originOf(devServerUrl)
  if (!dev) throw new Error(`ELECTRON_RENDERER_URL is not a URL: ${devServerUrl}`)
  return [dev]
}

/** A frame may call the API only when it shows the app itself. */
export function isTrustedSenderUrl(url: string, trustedOrigins: readonly string[]): boolean {
  const origin = originOf(url)
  return origin !== undefined && !origin.startsWith('file:') && trustedOrigins.includes(origin)
}

function refusalOf(
  frame: IpcSenderFrame | null | undefined,
  trustedOrigins: readonly string[],
): string | undefined {
  if (!frame) return 'unknown frame'
  // The app has no frames of its own; a sub-frame is something else's page, whatever its URL.
  if (frame.parent !== null && frame.parent !== undefined) return `a sub-frame (${frame.url})`
  if (!isTrustedSenderUrl(frame.url, trustedOrigins)) return frame.url || 'a frame without a URL'
  return undefined
}

export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  handlers: ApiHandlers,
  trustedOrigins: readonly string[],
): string[] {
  const channels: string[] = []
  for (const method of methodNames) {
    const channel = channelOf(method)
    ipcMain.handle(channel, (event, ...args) => {
      const refused = refusalOf(event.senderFrame, trustedOrigins)
      if (refused)
        return fail(
          'forbidden-sender',
          `Refused ${method}: the caller (${refused}) is not the Flowbench window`,
        )
      if (args.length > 1)
        return fail(
          'bad-argument',
          `Invalid argument for ${method}: expected one argument, got ${args.length}`,
        )
      return dispatch(handlers, method, args[0])
    })
    channels.push(channel)
  }
  return channels
}

/** What main sends events through: Electron's webContents. */
export interface EventTarget {
  send(channel: string, payload: unknown): void
  isDestroyed(): boolean
}

/**
 * Sends the contract's events to a window, each on its own channel (the preload listens on
 * exactly these). Returns the unsubscribe, for when the window closes.
 */
export function forwardApiEvents(events: EventSubscription, target: EventTarget): () => void {
  return events.subscribe((event, payload) => {
    if (!isEventName(event) || target.isDestroyed()) return
    target.send(eventChannelOf(event), payload)
  })
}
