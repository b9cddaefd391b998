/**
 * Registers the API on an ipcMain-like object. Kept free of `electron` imports so it can be
 * unit-tested with a fake; the Electron entry passes the real ipcMain.
 */
import { channelOf, methodNames } from '../../src-shared/api/contract'
import { fail } from '../../src-shared/api/result'
import type { ApiHandlers } from '../api/dispatch'
import { dispatch } from '../api/dispatch'

export interface IpcSenderFrame {
  url: string
}

export interface IpcInvokeEventLike {
  senderFrame: IpcSenderFrame | null | undefined
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void
}

/** A frame may call the API only when it shows the app itself: the packaged file or the dev server. */
export function isTrustedSenderUrl(url: string, trustedOrigins: readonly string[]): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'file:') return trustedOrigins.includes('file://')
  return trustedOrigins.includes(parsed.origin)
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
      const url = event.senderFrame?.url
      if (!url || !isTrustedSenderUrl(url, trustedOrigins)) {
        return fail('forbidden-sender', `Refused ${method}: the caller (${url ?? 'unknown frame'}) is not the Flowbench window`)
      }
      if (args.length > 1) return fail('bad-argument', `Invalid argument for ${method}: expected one argument, got ${args.length}`)
      return dispatch(handlers, method, args[0])
    })
    channels.push(channel)
  }
  return channels
}
