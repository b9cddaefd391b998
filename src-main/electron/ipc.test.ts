import { describe, expect, it } from 'vitest'
import { channelOf, methodNames } from '../../src-shared/api/contract'
import type { ApiHandlers } from '../api/dispatch'
import type { IpcInvokeEventLike, IpcMainLike } from './ipc'
import { isTrustedSenderUrl, registerIpcHandlers } from './ipc'

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
  'app.info': () => ({ name: 'Flowbench', version: '9.9.9', dataDir: '/data', pluginCount: 3, platform: 'linux', mode: 'electron' as const }),
  'plugins.list': () => [],
} satisfies Partial<ApiHandlers> as unknown as ApiHandlers

const appFrame = { senderFrame: { url: 'file:///opt/flowbench/out/renderer/index.html' } }

describe('registerIpcHandlers', () => {
  it('registers one handler per contract method and nothing else', () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, ['file://'])
    expect([...listeners.keys()].sort()).toEqual(methodNames.map(channelOf).sort())
  })

  it('answers a call from the app window', async () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, ['file://'])
    const result = await listeners.get(channelOf('app.info'))!(appFrame)
    expect(result).toMatchObject({ ok: true, value: { version: '9.9.9', pluginCount: 3 } })
  })

  it('refuses bad arguments with a message naming the method', async () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, ['file://'])
    const result = (await listeners.get(channelOf('app.info'))!(appFrame, { unexpected: true })) as { ok: boolean; error: { code: string; message: string } }
    expect(result.ok).toBe(false)
    expect(result.error.code).toBe('bad-argument')
    expect(result.error.message).toContain('app.info')
    const extra = (await listeners.get(channelOf('app.info'))!(appFrame, undefined, 'second')) as { ok: boolean; error: { code: string } }
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
  })

  it('refuses a foreign sender', async () => {
    const { ipc, listeners } = fakeIpcMain()
    registerIpcHandlers(ipc, handlers, ['file://'])
    const call = listeners.get(channelOf('app.info'))!
    for (const event of [{ senderFrame: { url: 'https://evil.example/' } }, { senderFrame: null }, { senderFrame: { url: 'not a url' } }]) {
      expect(await call(event)).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } })
    }
  })

  it('trusts the dev server only when it is the configured origin', () => {
    expect(isTrustedSenderUrl('http://localhost:5173/index.html', ['http://localhost:5173'])).toBe(true)
    expect(isTrustedSenderUrl('http://localhost:5174/', ['http://localhost:5173'])).toBe(false)
    expect(isTrustedSenderUrl('file:///x/index.html', ['http://localhost:5173'])).toBe(false)
  })
})
