import { describe, expect, it } from 'vitest'
import { buildWindowOptions, isDevToolsShortcut, isPermissionAllowed } from './window-options'

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

describe('isPermissionAllowed', () => {
  const trusted = ['app://flowbench']

  it('lets the app write the clipboard and nothing else', () => {
    expect(
      isPermissionAllowed('clipboard-sanitized-write', 'app://flowbench/index.html', trusted),
    ).toBe(true)
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'hid',
      'fullscreen',
    ]) {
      expect(isPermissionAllowed(permission, 'app://flowbench/index.html', trusted)).toBe(false)
    }
  })

  it('refuses even the clipboard to another origin', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/', trusted)).toBe(
      false,
    )
    expect(isPermissionAllowed('clipboard-sanitized-write', 'file:///tmp/x.html', trusted)).toBe(
      false,
    )
    expect(isPermissionAllowed('clipboard-sanitized-write', undefined, trusted)).toBe(false)
  })
})

describe('isDevToolsShortcut', () => {
  const key = (
    k: string,
    mods: Partial<{ control: boolean; meta: boolean; shift: boolean; alt: boolean }> = {},
  ) => ({
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
