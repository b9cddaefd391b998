/**
 * The Electron entry: creates the window with secure defaults and wires the API to ipcMain.
 * The only file in src-main that imports 'electron'.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiHandlers } from '../api/handlers'
import { createAppContext } from '../app-context'
import { registerIpcHandlers } from './ipc'
import { buildCsp, buildWindowOptions } from './window-options'

const here = path.dirname(fileURLToPath(import.meta.url))
const devServerUrl = process.env.ELECTRON_RENDERER_URL

async function start(): Promise<void> {
  await app.whenReady()
  const dataDir = process.env.FLOWBENCH_DATA_DIR ?? app.getPath('userData')
  // better-sqlite3 built for Electron's ABI by `npm start` (scripts/prepare-electron.js), kept
  // apart from the Node build in node_modules that the tests and the CLI use.
  const binding = path.join(app.getAppPath(), 'native', `electron-${process.versions.electron}`, 'better_sqlite3.node')
  const context = await createAppContext({ dataDir, mode: 'electron', nativeBinding: existsSync(binding) ? binding : undefined })
  if (context.recovered) {
    void dialog.showMessageBox({ type: 'warning', title: 'Flowbench', message: 'The database could not be opened', detail: context.recovered.reason })
  }
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : undefined
  registerIpcHandlers(ipcMain, createApiHandlers(context), devOrigin ? [devOrigin] : ['file://'])

  const csp = buildCsp({ devServerOrigin: devOrigin })
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
  })
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false))

  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https:\/\//.test(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })

  Menu.setApplicationMenu(Menu.buildFromTemplate([
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]))

  const window = new BrowserWindow(buildWindowOptions(path.join(here, '../preload/index.cjs')))
  window.once('ready-to-show', () => window.show())
  if (devServerUrl) await window.loadURL(devServerUrl)
  else await window.loadFile(path.join(here, '../renderer/index.html'))

  app.on('window-all-closed', () => {
    void context.close().finally(() => app.quit())
  })
}

void start()
