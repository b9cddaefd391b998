/** Window options and the Content-Security-Policy, built apart from Electron so they can be tested. */

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
  }
}

export function buildWindowOptions(preloadPath: string): SecureWindowOptions {
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
    },
  }
}

/**
 * The renderer's CSP. Scripts only from the app itself; Monaco needs workers from blob: and
 * inline styles. `devServerOrigin` adds the Vite dev server (and its HMR socket) in development.
 */
export function buildCsp(options: { devServerOrigin?: string } = {}): string {
  const dev = options.devServerOrigin
  const self = dev ? `'self' ${dev}` : `'self'`
  const connect = dev ? `'self' ${dev} ${dev.replace(/^http/, 'ws')}` : `'self'`
  return [
    `default-src 'none'`,
    `script-src ${self}`,
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
