// A stand-in for the 'electron' module, so the built main process runs under plain Node: it records
// what main asks of Electron (windows and their webPreferences, ipcMain handlers, protocols,
// permission handlers, menus, app events) for the smoke and security tests to inspect and drive.
// State lives on globalThis so the copy main imports and the copy the test reads are one.
import { EventEmitter } from 'node:events'

const KEY = Symbol.for('flowbench.electron-stand-in')

function deferred() {
  let resolve
  const promise = new Promise((r) => (resolve = r))
  return { promise, resolve }
}

function freshState(options = {}) {
  return {
    options: {
      isPackaged: true,
      userData: '',
      appPath: '',
      // false: another Flowbench holds the lock (this launch is the second instance).
      singleInstanceLock: true,
      displays: [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1050 } }],
      ...options,
    },
    ready: deferred(),
    isReady: false,
    appEvents: new EventEmitter(),
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    ipcHandlers: new Map(),
    permissionRequestHandler: null,
    permissionCheckHandler: null,
    devicePermissionHandler: null,
    headersReceived: [],
    applicationMenu: null,
    windows: [],
    firstLoad: deferred(),
    openedExternal: [],
    messageBoxes: [],
    quit: deferred(),
    utilityForks: [],
    sealed: 0,
    singleInstanceLockRequests: 0,
    recentDocuments: [],
    // What the next file dialogs answer (a path, or null for Cancel), and what they were asked.
    dialogAnswers: [],
    dialogsShown: [],
    // What the next synchronous message boxes answer (a button index; 0 when none is scripted).
    messageBoxAnswers: [],
    // What main sent to windows (webContents.send): the contract's events.
    sent: [],
  }
}

globalThis[KEY] ??= freshState()
const state = () => globalThis[KEY]

/** Called by the test before it imports a main bundle; returns the state that bundle will fill. */
export function resetStandIn(options) {
  globalThis[KEY] = freshState(options)
  return globalThis[KEY]
}

export function emitReady() {
  const s = state()
  s.isReady = true
  s.appEvents.emit('ready')
  s.ready.resolve()
}

export const app = {
  whenReady: () => state().ready.promise,
  isReady: () => state().isReady,
  get isPackaged() {
    return state().options.isPackaged
  },
  getPath: () => state().options.userData,
  getAppPath: () => state().options.appPath,
  getName: () => 'Flowbench',
  getVersion: () => '0.0.0-stand-in',
  on: (event, listener) => (state().appEvents.on(event, listener), app),
  once: (event, listener) => (state().appEvents.once(event, listener), app),
  emit: (event, ...args) => state().appEvents.emit(event, ...args),
  quit: () => state().quit.resolve(),
  requestSingleInstanceLock: () => (
    state().singleInstanceLockRequests++,
    state().options.singleInstanceLock
  ),
  addRecentDocument: (file) => void state().recentDocuments.push(file),
}

export const screen = {
  getAllDisplays: () => state().options.displays,
  getPrimaryDisplay: () => state().options.displays[0],
}

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    // Electron refuses this after ready; so does the stand-in.
    if (state().isReady)
      throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready')
    state().privilegedSchemes.push(...schemes)
  },
  handle(scheme, handler) {
    if (!state().isReady) throw new Error('protocol.handle must be called after app is ready')
    if (state().protocolHandlers.has(scheme))
      throw new Error(`protocol ${scheme} is already handled`)
    state().protocolHandlers.set(scheme, handler)
  },
  isProtocolHandled: (scheme) => state().protocolHandlers.has(scheme),
}

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler) => (state().permissionRequestHandler = handler),
    setPermissionCheckHandler: (handler) => (state().permissionCheckHandler = handler),
    setDevicePermissionHandler: (handler) => (state().devicePermissionHandler = handler),
    webRequest: {
      onHeadersReceived: (filterOrListener, maybeListener) => {
        const listener = maybeListener ?? filterOrListener
        const filter = maybeListener ? filterOrListener : { urls: ['<all_urls>'] }
        state().headersReceived.push({ filter, listener })
      },
    },
  },
}

export const ipcMain = {
  handle(channel, listener) {
    if (state().ipcHandlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`)
    state().ipcHandlers.set(channel, listener)
  },
}

export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu: (menu) => (state().applicationMenu = menu),
}

function nextDialogAnswer(kind, options) {
  state().dialogsShown.push({ kind, ...options })
  return state().dialogAnswers.length ? state().dialogAnswers.shift() : null
}

export const dialog = {
  showMessageBox: async (windowOrOptions, maybeOptions) => (
    state().messageBoxes.push(maybeOptions ?? windowOrOptions),
    { response: 0 }
  ),
  // (window, options) or (options), as Electron accepts both.
  showMessageBoxSync: (windowOrOptions, maybeOptions) => {
    state().messageBoxes.push(maybeOptions ?? windowOrOptions)
    return state().messageBoxAnswers.length ? state().messageBoxAnswers.shift() : 0
  },
  showOpenDialog: async (windowOrOptions, maybeOptions) => {
    const answer = nextDialogAnswer('open', maybeOptions ?? windowOrOptions)
    return answer === null
      ? { canceled: true, filePaths: [] }
      : { canceled: false, filePaths: [answer] }
  },
  showSaveDialog: async (windowOrOptions, maybeOptions) => {
    const answer = nextDialogAnswer('save', maybeOptions ?? windowOrOptions)
    return answer === null
      ? { canceled: true, filePath: '' }
      : { canceled: false, filePath: answer }
  },
}

export const shell = {
  openExternal: async (url) => void state().openedExternal.push(url),
}

/** Seals reversibly and visibly, so a test can tell the key file went through it. */
export const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (text) => (
    state().sealed++,
    Buffer.from(`keychain:${Buffer.from(text).toString('hex')}`)
  ),
  decryptString: (data) => Buffer.from(data.toString().slice('keychain:'.length), 'hex').toString(),
}

/** Records the processes main forks; they never start. */
export const utilityProcess = {
  fork: (modulePath, args, options) => {
    const child = new EventEmitter()
    child.postMessage = () => {}
    child.kill = () => (child.emit('exit', 0), true)
    state().utilityForks.push({ modulePath, args, options })
    return child
  },
}

let nextId = 1

class WebContents extends EventEmitter {
  id = nextId++
  windowOpenHandler = null
  devToolsClosed = 0
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler
  }
  closeDevTools() {
    this.devToolsClosed++
  }
  send(channel, ...args) {
    state().sent.push({ webContentsId: this.id, channel, args })
  }
  isDestroyed() {
    return false
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options = {}) {
    super()
    this.options = options
    this.webContents = new WebContents()
    this.loadedUrl = null
    this.shown = false
    this.focused = 0
    this.minimized = false
    this.maximized = false
    this.bounds = {
      x: options.x ?? 100,
      y: options.y ?? 100,
      width: options.width ?? 800,
      height: options.height ?? 600,
    }
    state().windows.push(this)
    // As in Electron: every new web contents is announced on the app before it loads anything.
    state().appEvents.emit('web-contents-created', {}, this.webContents)
  }
  async loadURL(url) {
    this.loadedUrl = url
    state().firstLoad.resolve(this)
  }
  async loadFile(file) {
    this.loadedUrl = new URL(`file://${file}`).href
    state().firstLoad.resolve(this)
  }
  show() {
    this.shown = true
  }
  focus() {
    this.focused++
  }
  isMinimized() {
    return this.minimized
  }
  restore() {
    this.minimized = false
  }
  isMaximized() {
    return this.maximized
  }
  maximize() {
    this.maximized = true
  }
  getBounds() {
    return { ...this.bounds }
  }
  getNormalBounds() {
    return { ...this.bounds }
  }
  setBounds(bounds) {
    this.bounds = { ...this.bounds, ...bounds }
  }
  isDestroyed() {
    return false
  }
  /** As the user closing it: 'close' (which a listener may prevent), then 'closed'. */
  close() {
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (!prevented) this.emit('closed')
  }
}

const electron = {
  app,
  protocol,
  session,
  ipcMain,
  Menu,
  dialog,
  shell,
  screen,
  BrowserWindow,
  safeStorage,
  utilityProcess,
}
export default electron
