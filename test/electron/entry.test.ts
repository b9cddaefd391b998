/**
 * Smoke test of the built Electron main process, run under plain Node with a stand-in for
 * 'electron' (Electron itself cannot be downloaded or launched here). It checks what main asks of
 * Electron: a locked-down window, the app:// protocol, IPC for exactly the contract, and denials.
 */
import { EventEmitter } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { channelOf, methodNames } from '../../src-shared/api/contract'
import { apiEvents, eventChannelOf, eventNames, listenerNameOf } from '../../src-shared/api/events'
import type { LaunchedMain } from './launch-main'
import { buildMain, launchMain, senderAt } from './launch-main'

/**
 * Runs the built (sandboxed, CommonJS) preload with a stand-in contextBridge and ipcRenderer,
 * returning what it exposed and a way to deliver IPC messages to it.
 */
function loadPreload(file: string) {
  const exposed: Record<string, Record<string, unknown>> = {}
  const channels = new EventEmitter()
  const electron = {
    contextBridge: {
      exposeInMainWorld: (name: string, api: Record<string, unknown>) => (exposed[name] = api),
    },
    ipcRenderer: {
      invoke: async () => undefined,
      on: (channel: string, listener: (...args: unknown[]) => void) =>
        channels.on(channel, listener),
      removeListener: (channel: string, listener: (...args: unknown[]) => void) =>
        channels.removeListener(channel, listener),
    },
  }
  const module = { exports: {} }
  const run = new Function('require', 'module', 'exports', readFileSync(file, 'utf8')) as (
    require: (id: string) => unknown,
    module: { exports: unknown },
    exports: unknown,
  ) => void
  run((id) => (id === 'electron' ? electron : createRequire(file)(id)), module, module.exports)
  expect(Object.keys(exposed)).toEqual(['flowbench'])
  return {
    api: exposed.flowbench!,
    emit: (channel: string, payload: unknown) => channels.emit(channel, { sender: {} }, payload),
    listening: () => channels.eventNames().filter((name) => channels.listenerCount(name) > 0),
  }
}

// One launch at a time: the stand-in records into whichever launch came last.
describe('the packaged Electron entry', () => {
  let main: LaunchedMain

  beforeAll(async () => {
    main = await launchMain(buildMain('entry'), { packaged: true })
  }, 120_000)

  afterAll(async () => {
    await main?.close()
  })

  it('opens one window with secure webPreferences and the bundled preload', () => {
    expect(main.electron.windows).toHaveLength(1)
    const prefs = main.window.options.webPreferences
    expect(prefs).toMatchObject({
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    })
    // The sandboxed preload is the one CommonJS bundle main points at, and it exists.
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/)
    expect(readFileSync(String(prefs.preload), 'utf8')).toContain('exposeInMainWorld')
  })

  it('registers app:// as a privileged standard secure scheme before ready and loads the window from it', () => {
    expect(main.electron.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ])
    expect(main.electron.privilegedSchemes[0]!.privileges).not.toHaveProperty('bypassCSP')
    expect(main.electron.protocolHandlers.has('app')).toBe(true)
    expect(main.window.loadedUrl).toBe('app://flowbench/index.html')
  })

  it('serves index.html over app:// with the CSP header', async () => {
    const handle = main.electron.protocolHandlers.get('app')!
    const response = await handle(new Request('app://flowbench/index.html'))
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain(`default-src 'none'`)
    expect(csp).toContain(`script-src 'self'`)
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/)
    expect(await response.text()).toContain('Flowbench stand-in page')
  })

  it('refuses app:// paths that climb out of the renderer folder', async () => {
    const handle = main.electron.protocolHandlers.get('app')!
    for (const url of [
      'app://flowbench/../../etc/passwd',
      'app://flowbench/..%2f..%2f..%2fetc%2fpasswd',
      'app://flowbench/..%2fsecret.txt',
    ]) {
      const response = await handle(new Request(url))
      const body = await response.text()
      expect(body, url).not.toContain(main.secretText)
      expect(body, url).not.toMatch(/root:.*:0:0:/)
    }
    expect((await handle(new Request('app://flowbench/..%2fsecret.txt'))).status).toBe(403)
  })

  it('handles every contract method on IPC, and nothing else', () => {
    expect([...main.electron.ipcHandlers.keys()].sort()).toEqual(methodNames.map(channelOf).sort())
  })

  it('answers the app window and refuses a sender from another origin', async () => {
    const info = main.electron.ipcHandlers.get(channelOf('app.info'))!
    expect(await info(senderAt('app://flowbench/index.html'))).toMatchObject({
      ok: true,
      value: { mode: 'electron' },
    })
    for (const url of [
      'https://evil.example/',
      'file:///tmp/evil.html',
      'http://localhost:5173/',
    ]) {
      expect(await info(senderAt(url)), url).toMatchObject({
        ok: false,
        error: { code: 'forbidden-sender' },
      })
    }
  })

  it('sends the contract’s events to the window on their own channels (webContents.send)', async () => {
    const call = (method: 'runner.start' | 'runner.stop') =>
      main.electron.ipcHandlers.get(channelOf(method))!(senderAt('app://flowbench/index.html'))
    const before = main.electron.sent.length
    expect(await call('runner.start')).toMatchObject({ ok: true, value: { running: true } })
    expect(await call('runner.stop')).toMatchObject({ ok: true, value: { running: false } })
    const sent = main.electron.sent.slice(before)
    expect(sent.map((s) => [s.webContentsId, s.channel])).toEqual([
      [main.window.webContents.id, eventChannelOf('runnerStatus')],
      [main.window.webContents.id, eventChannelOf('runnerStatus')],
    ])
    expect(sent.map((s) => (s.args[0] as { running: boolean }).running)).toEqual([true, false])
    // One payload, valid against the contract's schema: nothing the renderer would have to cast.
    for (const s of sent) {
      expect(s.args).toHaveLength(1)
      expect(apiEvents.runnerStatus.safeParse(s.args[0]).success).toBe(true)
    }
  })

  it('exposes exactly the contract in the preload: its methods and an onX per event', () => {
    const exposed = loadPreload(String(main.window.options.webPreferences.preload))
    expect(Object.keys(exposed.api).sort()).toEqual(
      [...methodNames, ...eventNames.map(listenerNameOf)].sort(),
    )
    expect(Object.isFrozen(exposed.api)).toBe(true)
    // A listener hears its own event's channel only, gets the payload alone, and can unsubscribe.
    const heard: unknown[] = []
    const onRunnerDelivery = exposed.api.onRunnerDelivery as (
      listener: (payload: unknown) => void,
    ) => () => void
    const stop = onRunnerDelivery((payload) => heard.push(payload))
    exposed.emit(eventChannelOf('runnerStatus'), { running: true })
    exposed.emit(eventChannelOf('runnerDelivery'), { seq: 1 })
    stop()
    exposed.emit(eventChannelOf('runnerDelivery'), { seq: 2 })
    expect(heard).toEqual([{ seq: 1 }])
    expect(exposed.listening()).toEqual([])
  })

  it('validates IPC arguments against the contract', async () => {
    const list = main.electron.ipcHandlers.get(channelOf('app.info'))!
    expect(await list(senderAt('app://flowbench/index.html'), { not: 'allowed' })).toMatchObject({
      ok: false,
      error: { code: 'bad-argument' },
    })
  })

  it('denies permission requests and checks', async () => {
    const request = main.electron.permissionRequestHandler!
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
    ]) {
      const granted = await new Promise<boolean>((resolve) =>
        request({}, permission, resolve, { requestingUrl: 'app://flowbench/index.html' }),
      )
      expect(granted, permission).toBe(false)
    }
    expect(main.electron.permissionCheckHandler!({}, 'media', 'app://flowbench', {})).toBe(false)
    expect(main.electron.devicePermissionHandler!({})).toBe(false)
  })

  it('denies window.open and opens only https links in the browser', () => {
    const open = main.window.webContents.windowOpenHandler!
    expect(open({ url: 'https://docs.example/' })).toEqual({ action: 'deny' })
    expect(open({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(open({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(main.electron.openedExternal).toEqual(['https://docs.example/'])
  })

  it('prevents navigation away and webview attachment', () => {
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-attach-webview']) {
      let prevented = false
      main.window.webContents.emit(event, {
        url: 'https://evil.example/',
        preventDefault: () => (prevented = true),
      })
      expect(prevented, event).toBe(true)
    }
  })

  it('keeps the secrets key wrapped by the OS keychain, never as a plain file', () => {
    const dir = main.electron.options.userData
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false)
    expect(readFileSync(path.join(dir, 'secret.key.safestorage')).toString()).toMatch(/^keychain:/)
    expect(main.electron.sealed).toBe(1)
  })

  it('swallows devtools shortcuts and has no devtools menu item', () => {
    let prevented = false
    const input = { type: 'keyDown', key: 'I', control: true, shift: true, meta: false, alt: false }
    main.window.webContents.emit(
      'before-input-event',
      { preventDefault: () => (prevented = true) },
      input,
    )
    expect(prevented).toBe(true)
    main.window.webContents.emit('devtools-opened')
    expect(main.window.webContents.devToolsClosed).toBe(1)
    const roles = JSON.stringify(main.electron.applicationMenu?.template)
    expect(roles).not.toMatch(/toggleDevTools|viewMenu|forceReload/)
  })
})

describe('the Electron entry in development', () => {
  let dev: LaunchedMain

  beforeAll(async () => {
    dev = await launchMain(buildMain('entry-dev'), {
      packaged: false,
      devServerUrl: 'http://localhost:5173',
    })
  }, 120_000)

  afterAll(async () => {
    await dev?.close()
  })

  it('loads the dev server, trusts only it, and keeps devtools', async () => {
    expect(dev.window.loadedUrl).toBe('http://localhost:5173')
    expect(dev.window.options.webPreferences.devTools).toBe(true)
    const info = dev.electron.ipcHandlers.get(channelOf('app.info'))!
    expect(await info(senderAt('http://localhost:5173/index.html'))).toMatchObject({ ok: true })
    expect(await info(senderAt('http://localhost:5174/'))).toMatchObject({
      ok: false,
      error: { code: 'forbidden-sender' },
    })
    expect(await info(senderAt('app://flowbench/index.html'))).toMatchObject({
      ok: false,
      error: { code: 'forbidden-sender' },
    })
    expect(dev.electron.headersReceived.map((h) => h.filter.urls)).toEqual([
      ['http://localhost:5173/*'],
    ])
  })
})
