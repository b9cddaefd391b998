/**
 * Builds the Electron main process and preload as `npm run build` does (main-only.config.ts) and
 * runs the built main bundle under plain Node, with 'electron' resolved to electron-stand-in.mjs.
 * What main asked of Electron is then in the returned `electron` record.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire, register } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { repoRoot } from '../fixtures/flows'

export interface StandInWebContents {
  id: number
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null
  devToolsClosed: number
  emit(event: string, ...args: unknown[]): boolean
  listenerCount(event: string): number
}

export interface Bounds {
  x: number
  y: number
  width: number
  height: number
}

export interface StandInWindow {
  options: { webPreferences: Record<string, unknown> } & Record<string, unknown>
  webContents: StandInWebContents
  loadedUrl: string | null
  focused: number
  minimized: boolean
  maximized: boolean
  bounds: Bounds
  setBounds(bounds: Partial<Bounds>): void
  /** As the user closing it. */
  close(): void
}

export type IpcListener = (
  event: { senderFrame: { url: string; parent: unknown } | null },
  ...args: unknown[]
) => unknown

export interface StandInOptions {
  isPackaged: boolean
  userData: string
  appPath: string
  singleInstanceLock?: boolean
  displays?: { id: number; workArea: Bounds }[]
}

export interface StandInState {
  options: StandInOptions
  singleInstanceLockRequests: number
  recentDocuments: string[]
  /** What the next open/save dialogs answer: a path, or null for Cancel. */
  dialogAnswers: (string | null)[]
  dialogsShown: { kind: 'open' | 'save'; title?: string; defaultPath?: string }[]
  /** What the next synchronous message boxes answer (a button index). */
  messageBoxAnswers: number[]
  messageBoxes: { message?: string; buttons?: string[] }[]
  isReady: boolean
  /** What main sent to its windows with webContents.send, in order. */
  sent: { webContentsId: number; channel: string; args: unknown[] }[]
  /** How many times main sealed something with the keychain (safeStorage). */
  sealed: number
  utilityForks: { modulePath: string; args: string[]; options: Record<string, unknown> }[]
  appEvents: { emit(event: string, ...args: unknown[]): boolean }
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[]
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>
  ipcHandlers: Map<string, IpcListener>
  permissionRequestHandler:
    | ((
        contents: unknown,
        permission: string,
        callback: (granted: boolean) => void,
        details: { requestingUrl: string },
      ) => void)
    | null
  permissionCheckHandler:
    | ((
        contents: unknown,
        permission: string,
        requestingOrigin: string,
        details: object,
      ) => boolean)
    | null
  devicePermissionHandler: ((details: object) => boolean) | null
  headersReceived: { filter: { urls: string[] }; listener: unknown }[]
  applicationMenu: { template: MenuTemplateItem[] } | null
  windows: StandInWindow[]
  openedExternal: string[]
  firstLoad: { promise: Promise<StandInWindow> }
  quit: { promise: Promise<void> }
}

export interface MenuTemplateItem {
  role?: string
  label?: string
  accelerator?: string
  click?: () => void
  submenu?: MenuTemplateItem[]
}

interface StandInModule {
  resetStandIn(options: StandInOptions): StandInState
  emitReady(): void
}

export interface LaunchedMain {
  electron: StandInState
  window: StandInWindow
  /** The built renderer folder main serves (a stand-in page), and a file just outside it. */
  rendererDir: string
  secretFile: string
  secretText: string
  /** Quits the app; `keepData` leaves the data directory for a next launch, `keepBuild` the build. */
  close(options?: { keepData?: boolean; keepBuild?: boolean }): Promise<void>
}

const nativeImport = createRequire(import.meta.url)('./native-import.cjs') as (
  url: string,
) => Promise<unknown>
const standInUrl = pathToFileURL(path.join(repoRoot, 'test/electron/electron-stand-in.mjs')).href
let hooksRegistered = false
let launches = 0

/** Builds main and preload into out/.electron-test/<name>-<pid>; about a second. */
export function buildMain(name: string): string {
  // Inside the repository, so the bundle's bare imports (zod, better-sqlite3…) resolve to node_modules.
  const outDir = path.join(repoRoot, 'out', '.electron-test', `${name}-${process.pid}`)
  rmSync(outDir, { recursive: true, force: true })
  const cli = path.join(repoRoot, 'node_modules/electron-vite/dist/cli.js')
  const result = spawnSync(
    process.execPath,
    [
      cli,
      'build',
      '-c',
      'test/electron/main-only.config.ts',
      '--outDir',
      outDir,
      '--logLevel',
      'error',
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  )
  if (result.status !== 0)
    throw new Error(`electron-vite build failed:\n${result.stdout}\n${result.stderr}`)
  return outDir
}

export interface LaunchOptions {
  packaged?: boolean
  devServerUrl?: string
  /** A data directory from an earlier launch (its recent files, its window position). */
  dataDir?: string
  /** Extra command-line arguments, as a file manager passes the file to open. */
  argv?: string[]
  /** false: another Flowbench already holds the single-instance lock. */
  singleInstanceLock?: boolean
  displays?: StandInOptions['displays']
}

/** A launch while another Flowbench runs: main should quit without a window. Answers what it asked. */
export async function launchSecondInstance(
  outDir: string,
  options: LaunchOptions = {},
): Promise<StandInState> {
  const { electron, windowLoaded } = await startMain(outDir, {
    ...options,
    singleInstanceLock: false,
  })
  const outcome = await Promise.race([
    electron.quit.promise.then(() => 'quit'),
    windowLoaded.then(() => 'window'),
    new Promise((resolve) => setTimeout(() => resolve('nothing'), 15000)),
  ])
  if (outcome !== 'quit') throw new Error(`the second instance did not quit (${String(outcome)})`)
  return electron
}

export async function launchMain(
  outDir: string,
  options: LaunchOptions = {},
): Promise<LaunchedMain> {
  const { electron, windowLoaded, dataDir, rendererDir, secretFile, secretText } = await startMain(
    outDir,
    options,
  )
  const window = await Promise.race([
    windowLoaded,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('main never loaded a window')), 15000),
    ),
  ])

  return {
    electron,
    window,
    rendererDir,
    secretFile,
    secretText,
    async close(closeOptions = {}) {
      // This launch's own app events: a later launch resets the stand-in's current state.
      electron.appEvents.emit('window-all-closed')
      await electron.quit.promise
      if (!closeOptions.keepData) rmSync(dataDir, { recursive: true, force: true })
      if (!closeOptions.keepBuild) rmSync(outDir, { recursive: true, force: true })
    },
  }
}

async function startMain(outDir: string, options: LaunchOptions) {
  const rendererDir = path.join(outDir, 'renderer')
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><title>Flowbench stand-in page</title><script type="module" src="./assets/app.js"></script>',
  )
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'export {}\n')
  const secretFile = path.join(outDir, 'secret.txt')
  const secretText = 'a file outside the renderer folder'
  writeFileSync(secretFile, secretText)
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'flowbench-electron-'))

  if (!hooksRegistered) {
    register(pathToFileURL(path.join(repoRoot, 'test/electron/electron-hooks.mjs')).href, {
      data: { standInUrl },
    })
    hooksRegistered = true
  }
  const standIn = (await nativeImport(standInUrl)) as StandInModule
  const electron = standIn.resetStandIn({
    isPackaged: options.packaged ?? true,
    userData: dataDir,
    appPath: outDir,
    ...(options.singleInstanceLock === false ? { singleInstanceLock: false } : {}),
    ...(options.displays ? { displays: options.displays } : {}),
  })

  // main reads these when its module is evaluated.
  const saved = {
    data: process.env.FLOWBENCH_DATA_DIR,
    renderer: process.env.ELECTRON_RENDERER_URL,
  }
  process.env.FLOWBENCH_DATA_DIR = dataDir
  const argvLength = process.argv.length
  process.argv.push(...(options.argv ?? []))
  if (options.devServerUrl) process.env.ELECTRON_RENDERER_URL = options.devServerUrl
  else delete process.env.ELECTRON_RENDERER_URL
  try {
    // A query makes each launch a fresh module instance of main.
    await nativeImport(
      `${pathToFileURL(path.join(outDir, 'main', 'index.js')).href}?launch=${++launches}`,
    )
  } finally {
    process.argv.length = argvLength
    restoreEnv('FLOWBENCH_DATA_DIR', saved.data)
    restoreEnv('ELECTRON_RENDERER_URL', saved.renderer)
  }
  standIn.emitReady()
  return {
    electron,
    windowLoaded: electron.firstLoad.promise,
    dataDir,
    rendererDir,
    secretFile,
    secretText,
  }
}

/**
 * What the window's page gets when it requests `relativeUrl` (a link, fetch or script src resolved
 * against the page's own URL): app:// goes through the protocol handler main registered; a file://
 * page (as the window was before app://) reads the file, as Chromium lets file pages do.
 */
export async function requestFromPage(
  launched: LaunchedMain,
  relativeUrl: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(relativeUrl, launched.window.loadedUrl ?? undefined)
  if (url.protocol === 'file:') {
    try {
      return { status: 200, body: readFileSync(fileURLToPath(url), 'utf8') }
    } catch {
      return { status: 404, body: '' }
    }
  }
  const handler = launched.electron.protocolHandlers.get(url.protocol.slice(0, -1))
  if (!handler) return { status: 0, body: '' }
  const response = await handler(new Request(url.href))
  return { status: response.status, body: await response.text() }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

/** The arguments main's ipcMain listener receives when the page at `url` (top frame) invokes it. */
export function senderAt(url: string, parent: unknown = null) {
  return { senderFrame: { url, parent } }
}
