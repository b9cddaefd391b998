import { describe, expect, it } from 'vitest'
import { buildCsp, buildWindowOptions, cspForMeta, isDevToolsShortcut, isPermissionAllowed } from './window-options'

describe('buildWindowOptions', () => {
  it('isolates the renderer', () => {
    const options = buildWindowOptions('/app/out/preload/index.cjs', { devTools: false })
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    })
  })

  it('keeps devtools for development builds only', () => {
    expect(buildWindowOptions('/p.cjs', { devTools: true }).webPreferences.devTools).toBe(true)
  })
})

describe('buildCsp', () => {
  it('allows scripts only from the app itself and never eval', () => {
    const csp = buildCsp()
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d]))
    expect(directives['default-src']).toBe(`default-src 'none'`)
    expect(directives['script-src']).toBe(`script-src 'self'`)
    expect(csp).not.toContain('unsafe-eval')
    expect(directives['object-src']).toBe(`object-src 'none'`)
    expect(directives['frame-ancestors']).toBe(`frame-ancestors 'none'`)
    expect(directives['connect-src']).toBe(`connect-src 'self'`)
  })

  it('adds the dev server and its socket in development', () => {
    const csp = buildCsp({ devServerOrigin: 'http://localhost:5173' })
    expect(csp).toContain(`script-src 'self' http://localhost:5173`)
    expect(csp).toContain('ws://localhost:5173')
  })

  it('drops for the <meta> copy only what a meta policy cannot carry', () => {
    const meta = cspForMeta(buildCsp())
    expect(meta).not.toContain('frame-ancestors')
    expect(meta).toContain(`script-src 'self'`)
    expect(meta).toContain(`default-src 'none'`)
  })
})

describe('isPermissionAllowed', () => {
  const trusted = ['app://flowbench']

  it('lets the app write the clipboard and nothing else', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://flowbench/index.html', trusted)).toBe(true)
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'fullscreen']) {
      expect(isPermissionAllowed(permission, 'app://flowbench/index.html', trusted)).toBe(false)
    }
  })

  it('refuses even the clipboard to another origin', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/', trusted)).toBe(false)
    expect(isPermissionAllowed('clipboard-sanitized-write', 'file:///tmp/x.html', trusted)).toBe(false)
    expect(isPermissionAllowed('clipboard-sanitized-write', undefined, trusted)).toBe(false)
  })
})

describe('isDevToolsShortcut', () => {
  const key = (k: string, mods: Partial<{ control: boolean; meta: boolean; shift: boolean; alt: boolean }> = {}) => ({
    type: 'keyDown',
    key: k,
    control: false,
    meta: false,
    shift: false,
    alt: false,
    ...mods,
  })

  it('recognises the devtools shortcuts of every platform', () => {
    expect(isDevToolsShortcut(key('F12'))).toBe(true)
    expect(isDevToolsShortcut(key('I', { control: true, shift: true }))).toBe(true)
    expect(isDevToolsShortcut(key('j', { control: true, shift: true }))).toBe(true)
    expect(isDevToolsShortcut(key('i', { meta: true, alt: true }))).toBe(true)
  })

  it('leaves the app its own shortcuts', () => {
    expect(isDevToolsShortcut(key('c', { control: true }))).toBe(false)
    expect(isDevToolsShortcut(key('i', { control: true }))).toBe(false)
    expect(isDevToolsShortcut({ ...key('F12'), type: 'keyUp' })).toBe(false)
  })
})
