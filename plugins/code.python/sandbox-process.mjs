/**
 * One Python sandbox process behind code.python, started by host.ts through a launcher.
 *
 * Under plain Node it runs with the permission model: it may read only Pyodide's package folder
 * and its own two files, may not write, start processes or threads, and its environment is
 * empty. That is the boundary; what follows is defence in depth, so that a way around Pyodide's
 * bridge finds nothing either:
 *  - the `js` and `pyodide_js` modules are emptied and the API object is stripped;
 *  - eval and the Function constructors throw (Emscripten's `emscripten_run_script` and any
 *    `obj.constructor.constructor('…')` end there); require() throws;
 *  - process, fetch and the other host globals are gone once Python is loaded.
 * The process talks to the host through the channel it was started with (Node's IPC, or
 * Electron's parentPort); messages are small arrays, and data travels as JSON text.
 */
import { readFileSync } from 'node:fs'
import { constants as fsConstants } from 'node:fs'
import Module from 'node:module'
import { constants as osConstants } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const hostProcess = process
/** Electron's utility processes talk through process.parentPort; Node's forks through IPC. */
const parentPort = hostProcess.parentPort
// The host may be gone (it exited, or killed this sandbox's channel): nothing is left to answer.
if (!parentPort) hostProcess.on('disconnect', () => hostProcess.exit(0))
const send = parentPort
  ? (message) => parentPort.postMessage(message)
  : (message) => {
      if (hostProcess.connected) hostProcess.send(message, undefined, undefined, () => undefined)
    }
const onMessage = parentPort
  ? (listener) => parentPort.on('message', (event) => listener(event.data))
  : (listener) => hostProcess.on('message', listener)
// The host going away ends the sandbox (Node closes the IPC channel).
if (!parentPort) hostProcess.on('disconnect', () => hostProcess.exit(0))

// Emscripten reads fs flags through process.binding, which the permission model refuses.
hostProcess.binding = (name) => {
  if (name === 'constants') return { fs: fsConstants, os: osConstants }
  throw new Error(`process.binding(${JSON.stringify(name)}) is not available`)
}

/** Bytes the interpreter's memory may reach during the call in progress (no limit between calls). */
let growLimit = Infinity
// Emscripten grows the heap through Memory.prototype.grow and treats a throw as "out of memory",
// so malloc fails and Python raises MemoryError: the limit holds at the allocation that breaks it.
const grow = WebAssembly.Memory.prototype.grow
WebAssembly.Memory.prototype.grow = function (pages) {
  if (this.buffer.byteLength + pages * 65536 > growLimit) throw new RangeError('memory limit')
  return grow.call(this, pages)
}

const start = await new Promise((resolve) => {
  const listener = (message) => {
    if (message[0] === 'start') resolve(message[1])
  }
  onMessage(listener)
})
const { pyodideDir, sandboxFile, snapshot } = start

const lock = JSON.parse(readFileSync(path.join(pyodideDir, 'pyodide-lock.json'), 'utf8'))
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, 'pyodide.mjs')).href)

/** Lines printed by the call in progress: [level, text]. */
let logs = []

const options = {
  indexURL: pyodideDir + path.sep,
  packageBaseUrl: pyodideDir + path.sep,
  lockFileContents: { info: lock.info, packages: {} },
  jsglobals: Object.create(null),
  env: { HOME: '/home/pyodide' },
  stdout: (line) => logs.push(['info', line]),
  stderr: (line) => logs.push(['warn', line]),
}
// The first process hands the host a memory image of the freshly started interpreter; the
// processes started after it (pool, timeouts) load that instead of starting Python again.
// The image arrives as a view into the message's buffer; Pyodide needs it at offset 0.
const pyodide = await loadPyodide(
  snapshot
    ? { ...options, _loadSnapshot: new Uint8Array(snapshot) }
    : { ...options, _makeSnapshot: true },
)
// Sent after 'ready': copying 30 MB through the channel need not delay the first call.
let image = null
if (!snapshot) {
  pyodide.runPython('import ast, json')
  image = pyodide.makeMemorySnapshot()
}
// Its own namespace, not __main__, so user code cannot import it.
const namespace = pyodide.globals.get('dict')()
pyodide.runPython(readFileSync(sandboxFile, 'utf8'), { filename: 'sandbox.py', globals: namespace })
const py = {
  compile: namespace.get('compile_code'),
  call: namespace.get('call'),
  forget: namespace.get('forget_code'),
}
const wasm = pyodide._module
lockDown(pyodide)

function lockDown(api) {
  api.unregisterJsModule('js')
  api.unregisterJsModule('pyodide_js')
  const fs = api.FS
  if (fs?.filesystems) delete fs.filesystems.NODEFS
  for (const key of Object.getOwnPropertyNames(api)) {
    try {
      delete api[key]
    } catch {
      // Non-configurable properties stay; none of them reach the host.
    }
  }
  const refuse = (what) =>
    function () {
      throw new Error(`${what} is not available in the Python sandbox`)
    }
  Module._load = refuse('require()')
  globalThis.eval = refuse('eval')
  // The global Function stays (Pyodide checks `instanceof Function`); no script can reach it.
  const constructors = [
    Function,
    (async () => {}).constructor,
    function* () {}.constructor,
    async function* () {}.constructor,
  ]
  for (const constructor of constructors)
    Object.defineProperty(constructor.prototype, 'constructor', {
      value: refuse('Code generation'),
    })
  for (const name of [
    'process',
    'fetch',
    'Request',
    'Response',
    'Headers',
    'FormData',
    'WebSocket',
    'EventSource',
    'navigator',
    'BroadcastChannel',
    'Worker',
  ]) {
    delete globalThis[name]
  }
}

onMessage((message) => {
  const op = message[0]
  if (op === 'forget') {
    py.forget(message[1])
  } else if (op === 'call') {
    const [, id, key, code, ports, input, memoryBytes] = message
    if (code !== null) py.compile(key, code)
    logs = []
    let output
    growLimit = wasm.HEAPU8.byteLength + memoryBytes
    try {
      output = py.call(key, ports, input)
    } catch (error) {
      // A fatal error leaves the interpreter unusable: the host ends this process.
      send([id, null, logs, 0, String(error?.message ?? error)])
      return
    } finally {
      growLimit = Infinity
    }
    send([id, output, logs, wasm.HEAPU8.byteLength, null])
  }
})
send(['ready', wasm.HEAPU8.byteLength])
if (image) setTimeout(() => send(['snapshot', image]), 0)
