/**
 * Smoke test of the built Electron main process, run under plain Node with a stand-in for
 * 'electron' (Electron itself cannot be downloaded or launched here). It checks what main asks of
 * Electron: a locked-down window, the app:// protocol, IPC for exactly the contract, and denials.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { channelOf, methodNames } from '../../src-shared/api/contract'
import type { LaunchedMain } from './launch-main'
import { buildMain, launchMain, senderAt } from './launch-main'

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
