/**
 * The window's security settings, built apart from Electron so they can be tested: window options,
 * the Content-Security-Policy, the permission policy and the devtools shortcuts.
 */
import { originOf } from './ipc'

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
export function buildWindowOptions(preloadPath: string, options: { devTools: boolean }): SecureWindowOptions {
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
 * The renderer's CSP. Scripts only from the app itself; Monaco needs workers from blob: and
 * inline styles. `devServerOrigin` adds the Vite dev server (and its HMR socket) in development,
 * plus inline scripts there only: @vitejs/plugin-react injects its Fast Refresh preamble inline.
 */
export function buildCsp(options: { devServerOrigin?: string } = {}): string {
  const dev = options.devServerOrigin
  const self = dev ? `'self' ${dev}` : `'self'`
  const connect = dev ? `'self' ${dev} ${dev.replace(/^http/, 'ws')}` : `'self'`
  return [
    `default-src 'none'`,
    `script-src ${self}${dev ? ` 'unsafe-inline'` : ''}`,
    `style-src ${self} 'unsafe-inline'`,
    `img-src ${self} data: blob:`,
    `font-src ${self} data:`,
    `connect-src ${connect}`,
    `worker-src ${self} blob:`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
    `object-src 'none'`,
  ].join('; ')
}

/** Directives a `<meta http-equiv>` policy cannot carry; browsers ignore them there with a warning. */
const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'report-to', 'sandbox']

/** The same policy for the built index.html's `<meta>`, the second line behind the response header. */
export function cspForMeta(csp: string): string {
  return csp
    .split('; ')
    .filter((directive) => !HEADER_ONLY_DIRECTIVES.includes(directive.split(' ')[0]!))
    .join('; ')
}

/**
 * Permissions the renderer may use: writing the clipboard (the runner copies webhook URLs), and
 * only from the app's own origin. Everything else (camera, notifications, geolocation, HID…) is
 * refused without a prompt.
 */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write']

export function isPermissionAllowed(permission: string, requestingUrl: string | undefined, trustedOrigins: readonly string[]): boolean {
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
