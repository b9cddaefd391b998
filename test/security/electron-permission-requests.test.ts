/**
 * Attack: the renderer asks Chromium for camera, microphone, geolocation, notifications or a USB,
 * HID or serial device. Requests were already refused, but permission checks and device access
 * fell through to Chromium's defaults. Now both are refused, bar clipboard writes from the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LaunchedMain } from '../electron/launch-main'
import { buildMain, launchMain } from '../electron/launch-main'

let main: LaunchedMain

beforeAll(async () => {
  main = await launchMain(buildMain('security-permissions'), { packaged: true })
}, 120_000)

afterAll(async () => {
  await main?.close()
})

const dangerous = [
  'media',
  'geolocation',
  'notifications',
  'midiSysex',
  'pointerLock',
  'openExternal',
  'clipboard-read',
  'hid',
  'serial',
  'usb',
  'display-capture',
  'fileSystem',
]

describe('permissions', () => {
  it('refuses every dangerous request, from the app itself too', async () => {
    const request = main.electron.permissionRequestHandler!
    for (const permission of dangerous) {
      const granted = await new Promise<boolean>((resolve) =>
        request({}, permission, resolve, { requestingUrl: 'app://flowbench/index.html' }),
      )
      expect(granted, permission).toBe(false)
    }
  })

  it('answers permission checks with no', () => {
    const check = main.electron.permissionCheckHandler
    expect(check).not.toBeNull()
    for (const permission of dangerous)
      expect(check!({}, permission, 'app://flowbench', {}), permission).toBe(false)
  })

  it('refuses device access', () => {
    expect(main.electron.devicePermissionHandler).not.toBeNull()
    expect(
      main.electron.devicePermissionHandler!({ deviceType: 'usb', origin: 'app://flowbench' }),
    ).toBe(false)
  })

  it('lets only the app write the clipboard', async () => {
    const request = main.electron.permissionRequestHandler!
    const ask = (url: string) =>
      new Promise<boolean>((resolve) =>
        request({}, 'clipboard-sanitized-write', resolve, { requestingUrl: url }),
      )
    expect(await ask('app://flowbench/index.html')).toBe(true)
    expect(await ask('https://evil.example/')).toBe(false)
  })
})
