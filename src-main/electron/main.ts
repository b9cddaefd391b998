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
  screen,
  session,
  shell,
  utilityProcess,
} from 'electron'
import type { MenuItemConstructorOptions } from 'electron'
import type { RecentFile } from '../../src-shared/api/contract'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiHandlers } from '../api/handlers'
import { createAppContext } from '../app-context'
import type { AppContext } from '../app-context'
import type { FileDialogs } from '../files/file-service'
import { FileService } from '../files/file-service'
import { filesInArgv, handOverFiles, HostCommands } from '../files/host-commands'
import type { KeyProtector } from '../secrets/secret-key'
import type { SandboxLauncher } from '../../plugins/code.python/host'
import { configurePython, permissionFlags } from '../../plugins/code.python/host'
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppProtocolHandler,
} from './app-protocol'
import { forwardApiEvents, registerIpcHandlers, trustedRendererOrigins } from './ipc'
import { buildCsp } from './csp'
import { buildMenuTemplate, DOCUMENTATION_URL } from './menu'
import { buildWindowOptions, isDevToolsShortcut, isPermissionAllowed } from './window-options'
import { placeWindow, readWindowState, writeWindowState } from './window-state'

const here = path.dirname(fileURLToPath(import.meta.url))
const devServerUrl = process.env.ELECTRON_RENDERER_URL

// One Flowbench per user: a second launch hands its files to the first (`second-instance`) and quits.
const primary = app.requestSingleInstanceLock()

// Files to open once the window is up: named on this launch's command line, or sent by the OS
// (macOS `open-file`, which may fire before `ready`).
const pendingFiles = filesInArgv(process.argv.slice(1), process.cwd())
let openFiles: ((files: string[]) => void) | null = null
app.on('open-file', (event, file) => {
  event.preventDefault()
  if (openFiles) openFiles([file])
  else pendingFiles.push(file)
})

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

async function start(): Promise<void> {
  await app.whenReady()
  const devTools = !app.isPackaged
  const trustedOrigins = trustedRendererOrigins(devServerUrl)
  // Guards first, so no web contents exists for a moment without them.
  guardWebContents(devTools, trustedOrigins)
  serveRenderer(trustedOrigins)
  const dataDir = process.env.FLOWBENCH_DATA_DIR ?? app.getPath('userData')
  const context = await openAppContext(dataDir)
  const { window, windowStateFile } = createMainWindow(dataDir, devTools)
  const { files, commands, showFileProblems } = desktopServices(window, dataDir, devTools)
  registerIpcHandlers(ipcMain, createApiHandlers(context, { files, commands }), trustedOrigins)
  const stopEvents = forwardApiEvents(context.events, window.webContents)
  window.on('closed', stopEvents)

  openFiles = (paths) => void handOverFiles(paths, { files, commands }).then(showFileProblems)
  app.on('second-instance', (_event, argv: string[], workingDirectory: string) => {
    if (window.isMinimized()) window.restore()
    window.focus()
    openFiles?.(filesInArgv(argv, workingDirectory))
  })
  if (pendingFiles.length) openFiles(pendingFiles.splice(0))

  keepWindowState(window, windowStateFile)
  app.on('window-all-closed', () => {
    commands.close()
    void context.close().finally(() => app.quit())
  })
  await window.loadURL(devServerUrl ?? APP_ENTRY_URL)
}

/** Windows open nothing, navigate nowhere and, packaged, open no devtools; permissions are asked of one list. */
function guardWebContents(devTools: boolean, trustedOrigins: string[]): void {
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
}

/** The renderer: from the dev server with the development CSP, or from `app://` with the strict one. */
function serveRenderer(trustedOrigins: string[]): void {
  const devOrigin = trustedOrigins[0]
  if (devServerUrl) {
    // The dev server sends no CSP of its own; add the development policy to its answers only.
    const csp = buildCsp({ devServerOrigin: devOrigin })
    session.defaultSession.webRequest.onHeadersReceived(
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
}

/** The application core over the user's data directory, with the Electron-only pieces plugged in. */
async function openAppContext(dataDir: string): Promise<AppContext> {
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

  return context
}

/** The one window, where it was last left. */
function createMainWindow(
  dataDir: string,
  devTools: boolean,
): { window: BrowserWindow; windowStateFile: string } {
  const windowOptions = buildWindowOptions(path.join(here, '../preload/index.cjs'), { devTools })
  const windowStateFile = path.join(dataDir, 'window-state.json')
  const savedWindow = readWindowState(windowStateFile)
  const placed = placeWindow(
    savedWindow?.bounds,
    screen.getAllDisplays().map((display) => display.workArea),
    { width: windowOptions.minWidth, height: windowOptions.minHeight },
  )
  const window = new BrowserWindow({ ...windowOptions, ...placed })
  if (placed && savedWindow?.maximized) window.maximize()
  window.once('ready-to-show', () => window.show())
  return { window, windowStateFile }
}

/** Native file dialogs, recent files and the app menu, which only the desktop host has. */
function desktopServices(window: BrowserWindow, dataDir: string, devTools: boolean) {
  const showFileProblems = (problems: string[]) => {
    if (problems.length)
      void dialog.showMessageBox(window, {
        type: 'warning',
        title: 'Flowbench',
        message: 'Some files could not be opened',
        detail: problems.join('\n'),
      })
  }

  const dialogs: FileDialogs = {
    showOpen: async (options) => {
      const result = await dialog.showOpenDialog(window, { ...options, properties: ['openFile'] })
      return result.canceled ? null : (result.filePaths[0] ?? null)
    },
    showSave: async (options) => {
      const result = await dialog.showSaveDialog(window, options)
      return result.canceled || !result.filePath ? null : result.filePath
    },
  }
  const commands = new HostCommands()
  const setMenu = (recent: RecentFile[]) =>
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate({
          devTools,
          platform: process.platform,
          appName: app.getName(),
          recent,
          actions: {
            command: (name) => commands.push({ command: name }),
            openRecent: (file) =>
              void files.openRecent(file).then(
                (opened) => commands.push({ command: 'open-file', file: opened }),
                (error: Error) => showFileProblems([error.message]),
              ),
            clearRecent: () => files.clearRecent(),
            openDocumentation: () => openExternalIfHttps(DOCUMENTATION_URL),
          },
        }) as MenuItemConstructorOptions[],
      ),
    )
  const files: FileService = new FileService({
    dialogs,
    recentListFile: path.join(dataDir, 'recent-files.json'),
    onRecentChange: (recent, touched) => {
      if (touched) app.addRecentDocument(touched)
      setMenu(recent)
    },
  })
  setMenu(files.recent())
  return { files, commands, showFileProblems }
}

/** Asks before closing over unsaved file changes; remembers where the window was. */
function keepWindowState(window: BrowserWindow, windowStateFile: string): void {
  // The renderer's beforeunload asks to stay while a file has unsaved changes; the user decides.
  window.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(window, {
      type: 'question',
      buttons: ['Close without saving', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      title: 'Flowbench',
      message: 'The flow has changes that are not saved to its file.',
      detail: 'Its draft is kept in Flowbench either way; only the file on disk is behind.',
    })
    if (choice === 0) event.preventDefault()
  })
  window.on('close', () => {
    writeWindowState(windowStateFile, {
      bounds: window.getNormalBounds(),
      maximized: window.isMaximized(),
    })
  })
}

if (primary) void start()
else app.quit()
