/**
 * The window's security settings, built apart from Electron so they can be tested: window options,
 * the permission policy and the devtools shortcuts. The CSP lives in csp.ts.
 */
import { originOf } from './ipc'

// The web host takes the same policy from here.
export { buildCsp } from './csp'

export interface SecureWindowOptions {
  width: number
  height: number
  minWidth: number
  minHeight: number
  show: boolean
  title: string
  backgroundColor: string
  webPreferences: {
    preload: string
    contextIsolation: true
    nodeIntegration: false
    nodeIntegrationInWorker: false
    sandbox: true
    webSecurity: true
    allowRunningInsecureContent: false
    webviewTag: false
    spellcheck: boolean
    devTools: boolean
  }
}

/** `devTools` is false in packaged builds (`!app.isPackaged`): a user's copy has no console to paste into. */
export function buildWindowOptions(
  preloadPath: string,
  options: { devTools: boolean },
): SecureWindowOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Flowbench',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: options.devTools,
    },
  }
}

/**
 * Permissions the renderer may use: writing the clipboard (the runner copies webhook URLs), and
 * only from the app's own origin. Everything else (camera, notifications, geolocation, HID…) is
 * refused without a prompt.
 */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write']

export function isPermissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  trustedOrigins: readonly string[],
): boolean {
  if (!ALLOWED_PERMISSIONS.includes(permission) || !requestingUrl) return false
  const origin = originOf(requestingUrl)
  return origin !== undefined && trustedOrigins.includes(origin)
}

export interface KeyInput {
  type: string
  key: string
  control: boolean
  meta: boolean
  shift: boolean
  alt: boolean
}

/** F12, Ctrl+Shift+I/J/C and ⌘⌥I/J/C: Chromium's devtools shortcuts, swallowed in packaged builds. */
export function isDevToolsShortcut(input: KeyInput): boolean {
  if (input.type !== 'keyDown') return false
  if (input.key === 'F12') return true
  const key = input.key.toLowerCase()
  if (!['i', 'j', 'c'].includes(key)) return false
  return (input.control && input.shift) || (input.meta && input.alt)
}
