/**
 * The Electron entry: creates the window with secure defaults and wires the API to ipcMain.
 * The only file in src-main that imports 'electron'.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  session,
  shell,
  utilityProcess,
} from 'electron'
import type { MenuItemConstructorOptions } from 'electron'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiHandlers } from '../api/handlers'
import { createAppContext } from '../app-context'
import type { KeyProtector } from '../secrets/secret-key'
import type { SandboxLauncher } from '../../plugins/code.python/host'
import { configurePython, permissionFlags } from '../../plugins/code.python/host'
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppProtocolHandler,
} from './app-protocol'
import { registerIpcHandlers, trustedRendererOrigins } from './ipc'
import { buildCsp } from './csp'
import { buildWindowOptions, isDevToolsShortcut, isPermissionAllowed } from './window-options'

const here = path.dirname(fileURLToPath(import.meta.url))
const devServerUrl = process.env.ELECTRON_RENDERER_URL

// Must happen before `ready`: Chromium fixes the set of standard/secure schemes at startup.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }])

/**
 * Python sandboxes as Electron utility processes: `fork` of process.execPath would start another
 * Flowbench (RunAsNode is fused off). Each gets an empty environment and is killed on timeout;
 * Node's permission flags are passed too, though Electron's utility processes are not known to
 * honour them (see the README's security model).
 */
const utilityLauncher: SandboxLauncher = (spec) => {
  const child = utilityProcess.fork(spec.entry, [], {
    env: {},
    serviceName: 'Flowbench Python sandbox',
    stdio: 'ignore',
    execArgv: permissionFlags(spec.readable),
  })
  return {
    post: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(`exited with code ${code}`)),
    kill: () => void child.kill(),
    // Utility processes never keep the app alive on their own.
    ref: () => undefined,
    unref: () => undefined,
  }
}

/** The secrets key is kept wrapped by the OS keychain where Electron can reach one. */
function keychainProtector(): KeyProtector | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined
  return {
    name: 'safestorage',
    seal: (key) => safeStorage.encryptString(key.toString('base64')),
    open: (sealed) => Buffer.from(safeStorage.decryptString(sealed), 'base64'),
  }
}

function openExternalIfHttps(url: string): void {
  try {
    if (new URL(url).protocol === 'https:') void shell.openExternal(url)
  } catch {
    // Not a URL: nothing to open.
  }
}

function applicationMenu(devTools: boolean): MenuItemConstructorOptions[] {
  // The stock View menu carries Toggle Developer Tools and Force Reload; a packaged build leaves them out.
  const view: MenuItemConstructorOptions = devTools
    ? { role: 'viewMenu' }
    : {
        label: 'View',
        submenu: [
          { role: 'resetZoom' },
          { role: 'zoomIn' },
          { role: 'zoomOut' },
          { type: 'separator' },
          { role: 'togglefullscreen' },
        ],
      }
  return [{ role: 'fileMenu' }, { role: 'editMenu' }, view, { role: 'windowMenu' }]
}

async function start(): Promise<void> {
  await app.whenReady()
  const devTools = !app.isPackaged
  const trustedOrigins = trustedRendererOrigins(devServerUrl)

  // Guards first, so no web contents exists for a moment without them.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      openExternalIfHttps(url)
      return { action: 'deny' }
    })
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.on('will-frame-navigate', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
    if (!devTools) {
      contents.on('before-input-event', (event, input) => {
        if (isDevToolsShortcut(input)) event.preventDefault()
      })
      contents.on('devtools-opened', () => contents.closeDevTools())
    }
  })

  const defaultSession = session.defaultSession
  defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl, trustedOrigins))
  })
  defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin, trustedOrigins),
  )
  defaultSession.setDevicePermissionHandler(() => false)

  const devOrigin = trustedOrigins[0]
  if (devServerUrl) {
    // The dev server sends no CSP of its own; add the development policy to its answers only.
    const csp = buildCsp({ devServerOrigin: devOrigin })
    defaultSession.webRequest.onHeadersReceived(
      { urls: [`${devOrigin}/*`] },
      (details, callback) => {
        callback({
          responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] },
        })
      },
    )
  } else {
    protocol.handle(
      APP_SCHEME,
      createAppProtocolHandler({ rendererRoot: path.join(here, '../renderer'), csp: buildCsp() }),
    )
  }

  const dataDir = process.env.FLOWBENCH_DATA_DIR ?? app.getPath('userData')
  // better-sqlite3 built for Electron's ABI by `npm start` (scripts/prepare-electron.js), kept
  // apart from the Node build in node_modules that the tests and the CLI use. Packaged, it sits
  // beside app.asar (electron-builder.yml unpacks native/): a shared library loads from a real file.
  const appDir = app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked')
  const binding = path.join(
    appDir,
    'native',
    `electron-${process.versions.electron}`,
    'better_sqlite3.node',
  )
  configurePython({ launcher: utilityLauncher })
  const context = await createAppContext({
    dataDir,
    mode: 'electron',
    nativeBinding: existsSync(binding) ? binding : undefined,
    keyProtector: keychainProtector(),
  })
  if (context.recovered) {
    void dialog.showMessageBox({
      type: 'warning',
      title: 'Flowbench',
      message: 'The database could not be opened',
      detail: context.recovered.reason,
    })
  }
  registerIpcHandlers(ipcMain, createApiHandlers(context), trustedOrigins)

  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenu(devTools)))

  const window = new BrowserWindow(
    buildWindowOptions(path.join(here, '../preload/index.cjs'), { devTools }),
  )
  window.once('ready-to-show', () => window.show())
  app.on('window-all-closed', () => {
    void context.close().finally(() => app.quit())
  })
  await window.loadURL(devServerUrl ?? APP_ENTRY_URL)
}

void start()
