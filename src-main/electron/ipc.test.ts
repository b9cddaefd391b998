import { describe, expect, it } from 'vitest'
import { channelOf, methodNames } from '../../src-shared/api/contract'
import type { ApiHandlers } from '../api/dispatch'
import type { IpcInvokeEventLike, IpcMainLike } from './ipc'
import { isTrustedSenderUrl, originOf, registerIpcHandlers, trustedRendererOrigins } from './ipc'

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown

function fakeIpcMain() {
  const listeners = new Map<string, Listener>()
  const ipc: IpcMainLike = {
    handle(channel, listener) {
      if (listeners.has(channel)) throw new Error(`second handler for ${channel}`)
      listeners.set(channel, listener)
    },
  }
  return { ipc, listeners }
}

const handlers = {
  'app.info': () => ({
    name: 'Flowbench',
    version: '9.9.9',
    dataDir: '/data',
    pluginCount: 3,
    platform: 'linux',
    mode: 'electron' as const,
  }),
  'plugins.list': () => [],
} satisfies Partial<ApiHandlers> as unknown as ApiHandlers

const appFrame = { senderFrame: { url: 'app://flowbench/index.html', parent: null } }
const trusted = trustedRendererOrigins()

describe('registerIpcHandlers', () => {
  it('registers one handler per contract method and nothing else', () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, trusted)
    expect([...listeners.keys()].sort()).toEqual(methodNames.map(channelOf).sort())
  })

  it('answers a call from the app window', async () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, trusted)
    const result = await listeners.get(channelOf('app.info'))!(appFrame)
    expect(result).toMatchObject({ ok: true, value: { version: '9.9.9', pluginCount: 3 } })
  })

  it('refuses bad arguments with a message naming the method', async () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, trusted)
    const result = (await listeners.get(channelOf('app.info'))!(appFrame, {
      unexpected: true,
    })) as { ok: boolean; error: { code: string; message: string } }
    expect(result.ok).toBe(false)
    expect(result.error.code).toBe('bad-argument')
    expect(result.error.message).toContain('app.info')
    const extra = (await listeners.get(channelOf('app.info'))!(appFrame, undefined, 'second')) as {
      ok: boolean
      error: { code: string }
    }
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
  })

  it('refuses a foreign sender', async () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, trusted)
    const call = listeners.get(channelOf('app.info'))!
    const foreign = [
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { senderFrame: { url: 'file:///opt/flowbench/out/renderer/index.html', parent: null } },
      { senderFrame: { url: 'app://other/index.html', parent: null } },
      {
        senderFrame: {
          url: 'app://flowbench/index.html',
          parent: { url: 'https://evil.example/' },
        },
      },
      { senderFrame: null },
      { senderFrame: { url: 'not a url', parent: null } },
    ]
    for (const event of foreign) {
      expect(await call(event)).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } })
    }
  })

  it('trusts the dev server only when it is the configured origin', () => {
    expect(isTrustedSenderUrl('http://localhost:5173/index.html', ['http://localhost:5173'])).toBe(
      true,
    )
    expect(isTrustedSenderUrl('http://localhost:5174/', ['http://localhost:5173'])).toBe(false)
    expect(isTrustedSenderUrl('file:///x/index.html', ['http://localhost:5173'])).toBe(false)
    expect(trustedRendererOrigins('http://localhost:5173/')).toEqual(['http://localhost:5173'])
  })

  it('never trusts file: pages, whatever the list says', () => {
    expect(isTrustedSenderUrl('file:///x/index.html', ['file://'])).toBe(false)
  })

  it('gives the app scheme the origin Chromium gives it', () => {
    expect(originOf('app://flowbench/assets/index.js')).toBe('app://flowbench')
    expect(originOf('http://localhost:5173/x')).toBe('http://localhost:5173')
    expect(originOf('not a url')).toBeUndefined()
  })
})
